"""``cog.Secret`` inputs through an in-process app (``ASGITransport``) built by the real factory:
every create route stores and answers them redacted, seals the value, hands it in clear to the
worker that claims the prediction, and drops it when the prediction ends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from mimeo.api.app import create_app
from mimeo.api.context import AppContext
from mimeo.api.services.worker_protocol import apply_report, claim_job
from mimeo.cli.platform import platform
from mimeo.core.ids import new_prediction_id
from mimeo.core.protocol import Finished, Outcome
from mimeo.core.records import NewPrediction
from mimeo.core.secret_inputs import REDACTED
from mimeo.core.status import PredictionStatus
from mimeo.settings import Settings
from mimeo.store.sealing import fernet_for
from mimeo.store.tables import predictions, webhook_deliveries
from tests.in_process import api_client

ALICE_TOKEN = "r8_alice-token"
VERSION_ID = "9" * 64
SECRET = "sk-live-in-process-0123456789"
SCHEMA: dict[str, Any] = {
    "openapi": "3.0.2",
    "components": {
        "schemas": {
            "Input": {
                "type": "object",
                "required": ["token"],
                "properties": {
                    "token": {
                        "type": "string",
                        "format": "password",
                        "writeOnly": True,
                        "x-cog-secret": True,
                        "minLength": 8,
                    },
                    "note": {"type": "string", "default": ""},
                },
            },
            "Output": {"type": "string"},
        }
    },
}
CREATE_PATHS = (
    "/v1/predictions",
    "/v1/models/alice/vault/predictions",
    "/v1/deployments/alice/vault-prod/predictions",
)


@dataclass
class App:
    context: AppContext
    transport: httpx.ASGITransport

    def client(self) -> httpx.AsyncClient:
        return api_client(self.transport, ALICE_TOKEN)

    async def row(self, prediction_id: str) -> Any:
        query = select(predictions).where(predictions.c.id == prediction_id)
        async with self.context.store.engine.connect() as conn:
            return (await conn.execute(query)).one()


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    """alice's model alice/vault, whose one version takes a secret, and its deployment."""
    settings = Settings(data_dir=tmp_path, worker_token="worker-token", allow_private_urls=True)
    async with platform(settings, "http://mimeo.test") as context:
        store = context.store
        alice = await store.accounts.ensure("alice", ALICE_TOKEN)
        model = await store.catalog.create_model(alice.id, "alice", "vault")
        version = await store.catalog.add_version(
            model,
            VERSION_ID,
            cog_version="0.16.9",
            openapi_schema=SCHEMA,
            build={},
            archive_key="archives/vault.tar.gz",
        )
        await store.deployments.create(
            alice.id,
            "alice",
            "vault-prod",
            model="alice/vault",
            version=version,
            hardware="cpu",
            min_instances=0,
            max_instances=1,
        )
        yield App(context, httpx.ASGITransport(create_app(context)))


def body_for(path: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"input": {"token": SECRET, "note": "hi"}, **extra}
    if path == "/v1/predictions":
        body["version"] = VERSION_ID
    return body


@pytest.mark.parametrize("path", CREATE_PATHS)
async def test_every_create_route_answers_and_stores_the_secret_redacted(
    app: App, path: str
) -> None:
    async with app.client() as alice:
        created = await alice.post(path, json=body_for(path))
        prediction_id = created.json()["id"]
        answers = [
            created,
            await alice.get(f"/v1/predictions/{prediction_id}"),
            await alice.get("/v1/predictions"),
            await alice.get(f"/p/{prediction_id}", follow_redirects=True),
        ]

    assert created.status_code == 201
    assert created.json()["input"] == {"token": REDACTED, "note": "hi"}
    assert [SECRET in answer.text for answer in answers] == [False] * 4
    row = await app.row(prediction_id)
    assert row.input == {"token": REDACTED, "note": "hi"}
    assert row.sealed_secrets is not None
    assert SECRET not in row.sealed_secrets


async def test_webhook_bodies_show_the_secret_redacted(app: App) -> None:
    async with app.client() as alice:
        path = CREATE_PATHS[0]
        await alice.post(path, json=body_for(path, webhook="http://127.0.0.1:9/hook"))

    async with app.context.store.engine.connect() as conn:
        bodies = (await conn.execute(select(webhook_deliveries.c.body))).scalars().all()

    assert bodies
    assert all(SECRET not in body and REDACTED in body for body in bodies)


async def test_a_refused_secret_is_not_echoed_in_the_422(app: App) -> None:
    async with app.client() as alice:
        short = "sk-7"
        answer = await alice.post(
            "/v1/predictions", json={"version": VERSION_ID, "input": {"token": short}}
        )

    assert answer.status_code == 422
    assert short not in answer.text


async def test_the_claiming_worker_gets_the_secret_and_the_end_drops_it(app: App) -> None:
    async with app.client() as alice:
        created = (await alice.post("/v1/predictions", json=body_for("/v1/predictions"))).json()

    job = await claim_job(app.context, "wkr_a", 0.0)

    assert job is not None
    assert job.prediction_id == created["id"]
    assert job.input == {"token": SECRET, "note": "hi"}
    assert job.secret_fields == ["token"]
    outcome = Outcome(status="succeeded", output="done")
    await apply_report(app.context, job.prediction_id, Finished(worker_id="wkr_a", outcome=outcome))
    row = await app.row(job.prediction_id)
    assert (row.status, row.sealed_secrets) == ("succeeded", None)


async def test_a_secret_that_cannot_be_opened_fails_its_prediction_instead_of_running(
    app: App,
) -> None:
    foreign = fernet_for("another server's secret").encrypt(b'{"token": "x"}').decode()
    queued = await app.context.queue.enqueue(
        NewPrediction(
            id=new_prediction_id(),
            account_id=1,
            model="alice/vault",
            version=VERSION_ID,
            input={"token": REDACTED},
            hardware="cpu",
            sealed_secrets=foreign,
        )
    )

    assert await claim_job(app.context, "wkr_a", 0.0) is None
    ended = await app.context.store.predictions.get(queued.id)
    assert ended.status is PredictionStatus.FAILED
    assert "secret inputs cannot be decrypted" in (ended.error or "")
