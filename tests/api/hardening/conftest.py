"""An in-process app (``ASGITransport``) over a fresh SQLite store, built by the real factory:
two accounts, alice and bob, and alice's model ``alice/reader`` whose one version takes a text
and a file. What bad input does to the API needs no worker and no model process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from mimeo.api.app import create_app
from mimeo.api.context import AppContext
from mimeo.api.http.signing import UrlSigner
from mimeo.events import EventBus
from mimeo.queue import PredictionQueue
from mimeo.settings import Settings
from mimeo.storage.factory import open_blob_store
from mimeo.store.store import Store
from tests.in_process import api_client

ALICE_TOKEN = "r8_alice-secret-token"
BOB_TOKEN = "r8_bob-secret-token"
SIGNING_KEY = "test-signing-key"
VERSION_ID = "5" * 64
READER_SCHEMA: dict[str, Any] = {
    "openapi": "3.0.2",
    "components": {
        "schemas": {
            "Input": {
                "type": "object",
                "properties": {
                    "text": {"type": "string", "default": ""},
                    "image": {"type": "string", "format": "uri"},
                },
            },
            "Output": {"type": "string"},
        }
    },
}


@dataclass
class App:
    context: AppContext
    app: FastAPI

    def client(self, token: str | None = ALICE_TOKEN) -> httpx.AsyncClient:
        return api_client(httpx.ASGITransport(self.app, raise_app_exceptions=False), token)


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    settings = Settings(data_dir=tmp_path, allow_private_urls=False)
    store = await Store.open(settings.resolved_database_url)
    alice = await store.accounts.ensure("alice", ALICE_TOKEN)
    await store.accounts.ensure("bob", BOB_TOKEN)
    model = await store.catalog.create_model(alice.id, "alice", "reader")
    await store.catalog.add_version(
        model,
        VERSION_ID,
        cog_version="0.16.9",
        openapi_schema=READER_SCHEMA,
        build={},
        archive_key="archives/reader.tar.gz",
    )
    context = AppContext(
        settings=settings,
        store=store,
        queue=PredictionQueue(store.engine),
        bus=EventBus(),
        blobs=open_blob_store(None, tmp_path),
        worker_token="worker-secret-token",
        signer=UrlSigner(SIGNING_KEY),
    )
    yield App(context, create_app(context))
    await context.blobs.close()
    await store.close()
