"""Deployments through an in-process app (``ASGITransport``): what needs two accounts or the
worker side — the warm targets over HTTP and over the embedded worker's direct channel."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from mimeo.api.app import create_app
from mimeo.api.context import AppContext
from mimeo.cli.in_process_worker import InProcessWorkerChannel
from mimeo.cli.platform import platform
from mimeo.core.protocol import InstanceReport, WarmTarget, WorkerStatus
from mimeo.core.records import Account, Version
from mimeo.settings import Settings
from mimeo.worker.api_client import WorkerAPI
from tests.in_process import api_client

WORKER_TOKEN = "worker-token"
ALICE_TOKEN = "r8_alice-token"
BOB_TOKEN = "r8_bob-token"
VERSION_ID = "7" * 64


@dataclass
class App:
    context: AppContext
    transport: httpx.ASGITransport
    alice: Account
    version: Version

    def client(self, token: str) -> httpx.AsyncClient:
        return api_client(self.transport, token)


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    """The app ``mimeo serve`` runs, over a fresh SQLite store holding alice's model alice/echo
    with one version."""
    settings = Settings(data_dir=tmp_path, worker_token=WORKER_TOKEN)
    async with platform(settings, "http://mimeo.test") as context:
        store = context.store
        alice = await store.accounts.ensure("alice", ALICE_TOKEN)
        await store.accounts.ensure("bob", BOB_TOKEN)
        version = await add_echo(context, alice)
        yield App(context, httpx.ASGITransport(create_app(context)), alice, version)


async def add_echo(context: AppContext, owner: Account) -> Version:
    """``owner``'s model ``echo`` with one version."""
    model = await context.store.catalog.create_model(owner.id, owner.username, "echo")
    return await context.store.catalog.add_version(
        model,
        VERSION_ID,
        cog_version="0.16.9",
        openapi_schema={"openapi": "3.0.2"},
        build={"concurrency": {"max": 2}},
        archive_key="archives/echo.tar.gz",
    )


async def deploy(app: App, name: str, min_instances: int) -> None:
    await app.context.store.deployments.create(
        app.alice.id,
        "alice",
        name,
        model="alice/echo",
        version=app.version,
        hardware="gpu-t4",
        min_instances=min_instances,
        max_instances=3,
    )


EXPECTED = WarmTarget(
    deployment="alice/warm",
    version=VERSION_ID,
    hardware="gpu-t4",
    min_instances=1,
    max_instances=3,
)


def gpu_worker(worker_id: str, *instances: InstanceReport) -> WorkerStatus:
    return WorkerStatus(
        worker_id=worker_id,
        hardware=["cpu", "gpu-t4"],
        cpus=8,
        memory_bytes=2**34,
        gpus=1,
        max_instances=4,
        instances=list(instances),
    )


async def test_a_remote_worker_hears_its_share_of_the_deployments_to_keep_warm(app: App) -> None:
    await deploy(app, "warm", min_instances=1)
    await deploy(app, "cold", min_instances=0)
    worker = WorkerAPI("http://mimeo.test", WORKER_TOKEN, "w1", transport=app.transport)

    try:
        assert await worker.heartbeat(gpu_worker("w1")) == [EXPECTED]
    finally:
        await worker.close()


async def test_the_embedded_worker_hears_the_same_share(app: App) -> None:
    await deploy(app, "warm", min_instances=1)
    await deploy(app, "cold", min_instances=0)

    channel = InProcessWorkerChannel(app.context, "w1")

    assert await channel.heartbeat(gpu_worker("w1")) == [EXPECTED]


async def test_min_instances_hold_across_the_fleet_not_per_worker(app: App) -> None:
    await deploy(app, "warm", min_instances=1)
    channel = InProcessWorkerChannel(app.context, "w1")
    running = InstanceReport(
        version=VERSION_ID,
        hardware="gpu-t4",
        state="idle",
        since=datetime.now(UTC),
        deployment="alice/warm",
    )
    await channel.heartbeat(gpu_worker("w1", running))

    second = await channel.heartbeat(gpu_worker("w2"))
    first = await channel.heartbeat(gpu_worker("w1", running))

    assert (first, second) == ([EXPECTED], [])


async def test_the_fleet_registry_lists_what_each_worker_runs(app: App) -> None:
    await InProcessWorkerChannel(app.context, "w1").heartbeat(gpu_worker("w1"))

    async with app.client(WORKER_TOKEN) as operator:
        answer = (await operator.get("/v1/admin/workers")).json()

    assert [w["id"] for w in answer["results"]] == ["w1"]
    assert answer["results"][0]["hardware"] == ["cpu", "gpu-t4"]


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/internal/v1/workers/heartbeat"), ("GET", "/v1/admin/workers")],
)
async def test_the_fleet_routes_need_the_worker_token(app: App, method: str, path: str) -> None:
    async with app.client(ALICE_TOKEN) as alice:
        answer = await alice.request(method, path, json={})

    assert answer.status_code == 401


async def test_another_accounts_deployment_is_not_found(app: App) -> None:
    await deploy(app, "private", min_instances=0)

    async with app.client(BOB_TOKEN) as bob:
        answers = [
            await bob.get("/v1/deployments/alice/private"),
            await bob.patch("/v1/deployments/alice/private", json={"max_instances": 5}),
            await bob.delete("/v1/deployments/alice/private"),
            await bob.post("/v1/deployments/alice/private/predictions", json={"input": {}}),
        ]

    assert [a.status_code for a in answers] == [404, 404, 404, 404]


async def test_another_accounts_deployments_are_not_listed(app: App) -> None:
    await deploy(app, "private", min_instances=0)

    async with app.client(BOB_TOKEN) as bob:
        listed = (await bob.get("/v1/deployments")).json()

    assert listed == {"next": None, "previous": None, "results": []}


async def test_a_deployment_is_created_under_the_callers_username(app: App) -> None:
    """Of bob's own model: only a model's owner deploys it."""
    owner = await app.context.store.accounts.by_username("bob")
    assert owner is not None
    await add_echo(app.context, owner)
    body = {
        "name": "bobs-echo",
        "model": "bob/echo",
        "version": VERSION_ID,
        "hardware": "cpu",
        "min_instances": 0,
        "max_instances": 2,
    }

    async with app.client(BOB_TOKEN) as bob:
        created = await bob.post("/v1/deployments", json=body)

    assert created.status_code == 201
    assert created.json()["owner"] == "bob"
    deployment = await app.context.store.deployments.get("bob", "bobs-echo")
    assert deployment.max_in_flight == 4


async def test_a_deployment_asking_for_more_instances_than_the_fleet_holds_is_a_422(
    app: App,
) -> None:
    body = {
        "name": "huge",
        "model": "alice/echo",
        "version": VERSION_ID,
        "hardware": "cpu",
        "min_instances": 10**6,
        "max_instances": 10**30,
    }
    async with app.client(ALICE_TOKEN) as alice:
        answer = await alice.post("/v1/deployments", json=body)

    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in answer.json()["errors"]] == ["min_instances", "max_instances"]


async def test_an_update_to_more_instances_than_the_fleet_holds_is_a_422(app: App) -> None:
    await deploy(app, "growing", min_instances=0)

    async with app.client(ALICE_TOKEN) as alice:
        answer = await alice.patch("/v1/deployments/alice/growing", json={"max_instances": 10**30})

    assert answer.status_code == 422
    assert answer.json()["errors"] == [{"field": "max_instances", "message": "must be at most 4"}]
