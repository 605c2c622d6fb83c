"""Trainings through an in-process app (``ASGITransport``): what needs two accounts or the
worker side — a training's end making the destination's version, over the embedded worker's
direct channel."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from mimeo.api.app import create_app
from mimeo.api.context import AppContext
from mimeo.cli.in_process_worker import InProcessWorkerChannel
from mimeo.cli.platform import platform
from mimeo.core.protocol import Finished, Offer, Outcome, Progress
from mimeo.settings import Settings
from tests.in_process import api_client

ALICE_TOKEN = "r8_alice-token"
BOB_TOKEN = "r8_bob-token"
VERSION_ID = "7" * 64
SCHEMA: dict[str, Any] = {
    "openapi": "3.0.2",
    "components": {
        "schemas": {
            "Input": {"type": "object", "properties": {"name": {"type": "string"}}},
            "Output": {"type": "string"},
            "TrainingInput": {
                "type": "object",
                "properties": {"greeting": {"type": "string"}},
                "required": ["greeting"],
            },
            "TrainingOutput": {
                "type": "object",
                "properties": {"weights": {"type": "string", "format": "uri"}},
            },
        }
    },
}
TRAININGS = f"/v1/models/alice/trainer/versions/{VERSION_ID}/trainings"


@dataclass
class App:
    context: AppContext
    transport: httpx.ASGITransport

    def client(self, token: str) -> httpx.AsyncClient:
        return api_client(self.transport, token)


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    """Alice's trainable model alice/trainer, and bob."""
    async with platform(Settings(data_dir=tmp_path), "http://mimeo.test") as context:
        store = context.store
        alice = await store.accounts.ensure("alice", ALICE_TOKEN)
        await store.accounts.ensure("bob", BOB_TOKEN)
        model = await store.catalog.create_model(alice.id, "alice", "trainer")
        await store.catalog.add_version(
            model,
            VERSION_ID,
            cog_version="0.23.1",
            openapi_schema=SCHEMA,
            build={},
            archive_key="archives/trainer.tar.gz",
        )
        yield App(context, httpx.ASGITransport(create_app(context)))


async def train(app: App, destination: str = "alice/tuned") -> dict[str, Any]:
    async with app.client(ALICE_TOKEN) as alice:
        answer = await alice.post(
            TRAININGS, json={"destination": destination, "input": {"greeting": "hi"}}
        )
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


async def test_another_accounts_training_is_not_found(app: App) -> None:
    training = await train(app)

    async with app.client(BOB_TOKEN) as bob:
        assert (await bob.get(f"/v1/trainings/{training['id']}")).status_code == 404
        assert (await bob.post(f"/v1/trainings/{training['id']}/cancel")).status_code == 404
        assert (await bob.get("/v1/trainings")).json()["results"] == []
        into_alices = await bob.post(
            TRAININGS, json={"destination": "alice/tuned", "input": {"greeting": "mine"}}
        )
    assert into_alices.status_code == 404


async def run_on_worker(app: App, training_id: str) -> dict[str, Any]:
    """What a worker does with a training: claim it on a train instance, store the weights,
    report the end."""
    channel = InProcessWorkerChannel(app.context, "wkr_test")
    job = await channel.claim(0, Offer())
    assert job is not None
    assert (job.prediction_id, job.kind) == (training_id, "training")
    await channel.report(training_id, Progress(worker_id="wkr_test", started=True))
    ref = await channel.store_output(training_id, "output.txt", b"bonjour", "text/plain")
    outcome = Outcome(status="succeeded", output={"weights": ref}, metrics={"predict_time": 0.5})
    await channel.report(
        training_id, Finished(worker_id="wkr_test", outcome=outcome, training=True)
    )
    async with app.client(ALICE_TOKEN) as alice:
        ended: dict[str, Any] = (await alice.get(f"/v1/trainings/{training_id}")).json()
    return ended


async def test_a_succeeded_training_makes_a_version_that_carries_its_weights(app: App) -> None:
    training = await train(app)

    ended = await run_on_worker(app, training["id"])

    assert ended["status"] == "succeeded"
    assert ended["metrics"]["predict_time"] == 0.5
    destination, _, version_id = ended["output"]["version"].partition(":")
    assert destination == "alice/tuned"
    channel = InProcessWorkerChannel(app.context, "wkr_other")
    weights = await channel.weights(version_id)
    assert weights is not None
    assert weights[1] == b"bonjour"
    assert await channel.weights(VERSION_ID) is None
    model = await app.context.store.catalog.get_model("alice", "tuned")
    assert model.latest_version is not None
    assert model.latest_version.id == version_id
    assert model.latest_version.archive_key == "archives/trainer.tar.gz"


async def test_a_training_whose_destination_was_deleted_fails_saying_so(app: App) -> None:
    training = await train(app)
    await app.context.store.catalog.delete_model("alice", "tuned")

    ended = await run_on_worker(app, training["id"])

    assert ended["status"] == "failed"
    assert "No version was made" in ended["error"]


async def test_a_member_trains_into_its_organizations_model(app: App) -> None:
    """An organization's members may change its models, so they may make its versions."""
    await app.context.store.accounts.create("acme", "organization")
    await app.context.store.accounts.add_member("acme", "alice")

    training = await train(app, destination="acme/tuned")

    tuned = await app.context.store.catalog.get_model("acme", "tuned")
    assert (training["destination"], tuned.visibility) == ("acme/tuned", "private")


async def test_another_accounts_private_model_cannot_be_trained(app: App) -> None:
    """Training it would copy its code into bob's destination: it is not found, as missing."""
    trainer = await app.context.store.catalog.get_model("alice", "trainer")
    await app.context.store.catalog.update_model(trainer, visibility="private")

    async with app.client(BOB_TOKEN) as bob:
        attempt = await bob.post(
            TRAININGS, json={"destination": "bob/copy", "input": {"greeting": "mine"}}
        )
        missing = await bob.post(
            TRAININGS.replace("alice/trainer", "alice/nothing"),
            json={"destination": "bob/copy", "input": {"greeting": "mine"}},
        )

    assert attempt.status_code == 404
    assert attempt.json()["detail"] == missing.json()["detail"].replace("nothing", "trainer")
    assert await app.context.store.catalog.find_model("bob", "copy") is None
