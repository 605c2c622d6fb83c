"""Metering and balances through an in-process app (``ASGITransport``) and the embedded worker's
channel, with ``predict_time`` and instance start times chosen by the test, so every charge is
known to the micro-dollar without waiting for real time to pass."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from mimeo.api.app import create_app
from mimeo.api.context import AppContext
from mimeo.billing import BalanceCache
from mimeo.cli.in_process_worker import InProcessWorkerChannel
from mimeo.cli.platform import platform
from mimeo.core.hardware import SKUS
from mimeo.core.money import charge_micros, microseconds
from mimeo.core.protocol import (
    Finished,
    InstanceReport,
    Offer,
    Outcome,
    StoppedInstance,
    WorkerStatus,
)
from mimeo.core.records import Account, as_utc
from mimeo.settings import Settings
from mimeo.store.tables import instance_meters, ledger
from tests.in_process import add_text_version, api_client

WORKER_TOKEN = "worker-token"
ADMIN_TOKEN = "r8_root-token"
ALICE_TOKEN = "r8_alice-token"
BOB_TOKEN = "r8_bob-token"
CPU_VERSION, T4_VERSION, PRIVATE_VERSION = "1" * 64, "2" * 64, "3" * 64
EVERY_SKU = Offer(startable_hardware=[sku.sku for sku in SKUS])


@dataclass
class App:
    context: AppContext
    transport: httpx.ASGITransport
    alice: Account
    bob: Account

    def client(self, token: str) -> httpx.AsyncClient:
        return api_client(self.transport, token)

    @property
    def worker(self) -> InProcessWorkerChannel:
        return InProcessWorkerChannel(self.context, "w1")

    async def create(self, model: str, token: str = ALICE_TOKEN) -> httpx.Response:
        async with self.client(token) as caller:
            return await caller.post(f"/v1/models/{model}/predictions", json={"input": {}})

    async def start(self, model: str, token: str = ALICE_TOKEN) -> str:
        """Created through the API and claimed by the worker: running."""
        created = await self.create(model, token)
        assert created.status_code == 201, created.text
        job = await self.worker.claim(0, EVERY_SKU)
        assert job is not None
        return job.prediction_id

    async def finish(self, prediction_id: str, predict_time: float) -> None:
        outcome = Outcome(status="succeeded", output="ok", metrics={"predict_time": predict_time})
        await self.worker.report(prediction_id, Finished(worker_id="w1", outcome=outcome))

    async def run(self, model: str, predict_time: float, token: str = ALICE_TOKEN) -> str:
        prediction_id = await self.start(model, token)
        await self.finish(prediction_id, predict_time)
        return prediction_id

    async def get(self, path: str, token: str = ALICE_TOKEN, **params: str) -> Any:
        async with self.client(token) as caller:
            answer = await caller.get(path, params=params)
        assert answer.status_code == 200, answer.text
        return answer.json()

    async def credit(self, username: str, amount: str) -> httpx.Response:
        async with self.client(ADMIN_TOKEN) as administrator:
            return await administrator.post(
                f"/v1/admin/accounts/{username}/credit", json={"amount": amount}
            )

    async def heartbeat(
        self, *instances: InstanceReport, stopped: tuple[StoppedInstance, ...] = ()
    ) -> None:
        status = WorkerStatus(
            worker_id="w1",
            hardware=["cpu", "gpu-t4"],
            cpus=4,
            memory_bytes=2**33,
            gpus=1,
            max_instances=4,
            instances=list(instances),
            stopped=list(stopped),
        )
        await self.worker.heartbeat(status)


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    """alice owns a public model on CPU, one on a T4 and a private one on CPU; bob has none."""
    settings = Settings(data_dir=tmp_path, worker_token=WORKER_TOKEN)
    async with platform(settings, "http://mimeo.test") as context:
        store = context.store
        alice = await store.accounts.ensure("alice", ALICE_TOKEN)
        bob = await store.accounts.ensure("bob", BOB_TOKEN)
        await store.accounts.ensure("root", ADMIN_TOKEN, admin=True)
        for name, version, fields in (
            ("cpu-echo", CPU_VERSION, {}),
            ("t4-echo", T4_VERSION, {"hardware": "gpu-t4"}),
            ("secret", PRIVATE_VERSION, {"visibility": "private"}),
        ):
            model = await store.catalog.create_model(alice.id, "alice", name, **fields)
            await add_text_version(store.catalog, model, version)
        yield App(context, httpx.ASGITransport(create_app(context)), alice, bob)


async def test_a_new_account_starts_with_five_dollars_of_credit(app: App) -> None:
    assert await app.get("/v1/billing") == {
        "username": "alice",
        "balance": "5.000000",
        "credit_granted": "5.000000",
        "spent": "0.000000",
        "currency": "USD",
    }


async def test_a_public_prediction_costs_its_predict_time_on_its_hardware(app: App) -> None:
    await app.run("alice/cpu-echo", 1.234567)  # 123.4567 micro-dollars: 123
    await app.run("alice/t4-echo", 2.5)  # 562.5 micro-dollars: half up, 563

    usage = await app.get("/v1/billing/usage", group_by="hardware")
    billing = await app.get("/v1/billing")

    assert usage["results"] == [
        {"hardware": "cpu", "seconds": "1.234567", "amount": "0.000123", "count": 1},
        {"hardware": "gpu-t4", "seconds": "2.500000", "amount": "0.000563", "count": 1},
    ]
    assert (billing["spent"], billing["balance"]) == ("0.000686", "4.999314")


async def test_many_small_charges_add_up_to_the_balance_change_exactly(app: App) -> None:
    times = [0.0051 * k + 0.00049 for k in range(1, 31)]
    for predict_time in times:
        await app.run("alice/cpu-echo", predict_time)

    usage = await app.get("/v1/billing/usage", group_by="model")
    balance = await app.context.store.ledger.balance(app.alice.id)

    expected = sum(charge_micros(microseconds(t), 100) for t in times)
    assert usage["total"]["count"] == len(times)
    assert usage["results"][0]["amount"] == f"0.{expected:06d}"
    assert balance == 5_000_000 - expected
    async with app.context.store.engine.connect() as conn:
        query = select(ledger.c.amount_micros).where(ledger.c.account_id == app.alice.id)
        rows = (await conn.execute(query)).scalars().all()
    assert sum(rows) == balance


async def test_a_spent_account_gets_402_and_its_running_prediction_still_finishes(
    app: App,
) -> None:
    app.context.balances = BalanceCache(seconds=0)  # read every time: no wait for the cache
    assert (await app.credit("alice", "-4.999900")).json()["balance"] == "0.000100"
    running = await app.start("alice/cpu-echo")
    spender = await app.start("alice/cpu-echo")
    await app.finish(spender, 2.0)  # 200 micro-dollars: the balance is spent

    refused = await app.create("alice/cpu-echo")
    await app.finish(running, 1.0)
    bob_may = await app.create("alice/cpu-echo", BOB_TOKEN)

    assert refused.status_code == 402
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["title"] == "Payment required"
    assert "credit" in refused.json()["detail"]
    assert (await app.get(f"/v1/predictions/{running}"))["status"] == "succeeded"
    assert (await app.get("/v1/billing"))["balance"] == "-0.000200"
    assert bob_may.status_code == 201
    assert (await app.credit("alice", "10.00")).json()["balance"] == "9.999800"
    assert (await app.create("alice/cpu-echo")).status_code == 201


async def test_credit_is_added_by_the_operator_only(app: App) -> None:
    async with app.client(ALICE_TOKEN) as alice:
        as_user = await alice.post("/v1/admin/accounts/alice/credit", json={"amount": "1"})

    assert as_user.status_code == 401
    assert (await app.credit("nobody", "1.00")).status_code == 404
    assert (await app.credit("alice", "ten")).status_code == 422
    assert (await app.credit("alice", "0.0000001")).status_code == 422
    added = await app.credit("alice", "2.50")
    assert added.json() == {
        "username": "alice",
        "balance": "7.500000",
        "credit_granted": "7.500000",
        "spent": "0.000000",
        "currency": "USD",
    }


async def meter_of(app: App) -> list[datetime]:
    async with app.context.store.engine.connect() as conn:
        moments = (await conn.execute(select(instance_meters.c.billed_until))).scalars().all()
    return [as_utc(moment) or moment for moment in moments]


async def test_a_private_models_instance_is_billed_from_start_idle_time_included(
    app: App,
) -> None:
    since = datetime.now(UTC) - timedelta(seconds=10)
    idle = InstanceReport(version=PRIVATE_VERSION, hardware="cpu", state="idle", since=since)
    public = InstanceReport(version=CPU_VERSION, hardware="cpu", state="idle", since=since)

    await app.heartbeat(idle, public)
    await app.heartbeat(idle, public)
    await app.heartbeat(idle, public)  # a retried heartbeat charges only the time since
    private_prediction = await app.run("alice/secret", 3.0)
    [billed_until] = await meter_of(app)

    usage = await app.get("/v1/billing/usage", group_by="model")
    assert [line["model"] for line in usage["results"]] == ["alice/secret"]
    [line] = usage["results"]
    assert line["count"] == 3
    billed_us = (billed_until - since) // timedelta(microseconds=1)
    assert line["seconds"] == f"{billed_us // 10**6}.{billed_us % 10**6:06d}"
    assert billed_us >= 10_000_000
    async with app.context.store.engine.connect() as conn:
        charged = (
            await conn.execute(
                select(ledger.c.duration_us, ledger.c.amount_micros, ledger.c.prediction_id).where(
                    ledger.c.account_id == app.alice.id, ledger.c.kind != "grant"
                )
            )
        ).all()
    assert [row.amount_micros for row in charged] == [
        -charge_micros(row.duration_us, 100) for row in charged
    ]
    assert private_prediction not in {row.prediction_id for row in charged}


async def instance_seconds(app: App) -> int:
    async with app.context.store.engine.connect() as conn:
        durations = await conn.execute(
            select(ledger.c.duration_us).where(ledger.c.kind == "instance")
        )
        return sum(durations.scalars())


async def test_a_stopped_instance_is_billed_up_to_its_stop_once(app: App) -> None:
    since = datetime.now(UTC) - timedelta(seconds=10)
    lived = InstanceReport(version=PRIVATE_VERSION, hardware="cpu", state="idle", since=since)
    brief = lived.model_copy(update={"since": since + timedelta(seconds=1)})

    await app.heartbeat(lived)
    stop = StoppedInstance(instance=lived, stopped_at=datetime.now(UTC))
    short = StoppedInstance(instance=brief, stopped_at=since + timedelta(seconds=3))
    await app.heartbeat(stopped=(stop, short))
    await app.heartbeat()
    await app.heartbeat(stopped=(stop, short))  # its answer was lost: the worker says it again

    billed = timedelta(microseconds=await instance_seconds(app))
    assert billed == (stop.stopped_at - since) + timedelta(seconds=2)
    assert (await app.get("/v1/billing/usage"))["total"]["count"] == 3


async def test_an_instance_that_vanishes_is_no_longer_billed(app: App) -> None:
    since = datetime.now(UTC) - timedelta(seconds=5)
    instance = InstanceReport(version=PRIVATE_VERSION, hardware="cpu", state="busy", since=since)

    await app.heartbeat(instance)
    await app.heartbeat()

    assert await meter_of(app) == []
    assert (await app.get("/v1/billing/usage"))["total"]["count"] == 1


async def test_a_deployments_instances_are_billed_to_the_deployments_owner(app: App) -> None:
    version = await app.context.store.catalog.find_version(CPU_VERSION, viewer=None)
    for name, min_instances in (("warm", 1), ("cold", 0)):
        await app.context.store.deployments.create(
            app.bob.id,
            "bob",
            name,
            model="alice/cpu-echo",
            version=version[1],
            hardware="cpu",
            min_instances=min_instances,
            max_instances=2,
        )
    since = datetime.now(UTC) - timedelta(seconds=3)
    warm = InstanceReport(
        version=CPU_VERSION, hardware="cpu", state="idle", since=since, deployment="bob/warm"
    )
    started = InstanceReport(
        version=CPU_VERSION,
        hardware="cpu",
        state="busy",
        since=since + timedelta(seconds=1),
        serves="bob/cold",
    )

    await app.heartbeat(warm, started)
    async with app.client(BOB_TOKEN) as bob:
        through_deployment = await bob.post(
            "/v1/deployments/bob/cold/predictions", json={"input": {}}
        )
    job = await app.worker.claim(0, EVERY_SKU)
    assert job is not None
    await app.finish(job.prediction_id, 4.0)

    bob_usage = await app.get("/v1/billing/usage", BOB_TOKEN, group_by="model")
    alice_usage = await app.get("/v1/billing/usage", group_by="model")
    assert through_deployment.status_code == 201
    assert bob_usage["total"]["count"] == 2  # the two instances; not the deployment's prediction
    assert alice_usage["results"] == []


async def test_usage_is_grouped_by_utc_day_and_filtered_by_time(app: App) -> None:
    await app.run("alice/cpu-echo", 1.0)
    today = datetime.now(UTC).date()
    tomorrow = (today + timedelta(days=1)).isoformat()

    by_day = await app.get("/v1/billing/usage")
    later = await app.get("/v1/billing/usage", since=tomorrow)
    before = await app.get("/v1/billing/usage", until=today.isoformat())

    assert by_day["results"] == [
        {"day": today.isoformat(), "seconds": "1.000000", "amount": "0.000100", "count": 1}
    ]
    assert later["results"] == before["results"] == []


async def test_a_moment_in_another_zone_is_compared_in_utc(app: App) -> None:
    await app.run("alice/cpu-echo", 1.0)
    in_an_hour = (datetime.now(UTC) + timedelta(hours=1)).astimezone(timezone(timedelta(hours=-5)))

    before = await app.get("/v1/billing/usage", until=in_an_hour.isoformat())
    async with app.client(ALICE_TOKEN) as alice:
        too_early = await alice.get("/v1/billing/usage", params={"since": "0001-01-01T00:00+05:00"})

    assert before["total"]["count"] == 1
    assert too_early.status_code == 422
