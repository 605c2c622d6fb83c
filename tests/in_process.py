"""A client of the in-process app (``httpx.ASGITransport``), as the tests that need several
accounts or the worker side make one: real HTTP semantics, no socket."""

from __future__ import annotations

import httpx

BASE_URL = "http://mimeo.test"


def api_client(transport: httpx.AsyncBaseTransport, token: str | None) -> httpx.AsyncClient:
    """As the account of ``token``; None sends no ``Authorization`` header."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(transport=transport, base_url=BASE_URL, headers=headers)
