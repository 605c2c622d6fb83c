"""A client of the in-process app (``httpx.ASGITransport``), as the tests that need several
accounts or the worker side make one: real HTTP semantics, no socket."""

from __future__ import annotations

from typing import Any

import httpx

from mimeo.core.records import Model, Version
from mimeo.store.catalog import CatalogRepository

BASE_URL = "http://mimeo.test"
TEXT_SCHEMA: dict[str, Any] = {
    "openapi": "3.0.2",
    "components": {
        "schemas": {
            "Input": {"type": "object", "properties": {"text": {"type": "string"}}},
            "Output": {"type": "string"},
        }
    },
}
"""A version's schema with one text input and a text output: the model these tests run."""


def api_client(transport: httpx.AsyncBaseTransport, token: str | None) -> httpx.AsyncClient:
    """As the account of ``token``; None sends no ``Authorization`` header."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(transport=transport, base_url=BASE_URL, headers=headers)


async def add_text_version(catalog: CatalogRepository, model: Model, version_id: str) -> Version:
    """A version of ``model`` taking ``TEXT_SCHEMA``, as a push would record it."""
    return await catalog.add_version(
        model,
        version_id,
        cog_version="0.16.9",
        openapi_schema=TEXT_SCHEMA,
        build={},
        archive_key=f"archives/{model.name}.tar.gz",
    )
