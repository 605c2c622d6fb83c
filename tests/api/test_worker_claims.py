"""A worker's claim (``claim_job``) after it took the last queued prediction: it waits for work
to be announced instead of looking at an empty queue first, and still finds work that no
announcement told of (another API node's, a lost notice) at its next look. A waiting claim is
handed a new prediction that fits it as it is created (``hand_offs``), unless its worker hung
up."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from mimeo.api.context import AppContext
from mimeo.api.services.hand_offs import hand_off_or_enqueue
from mimeo.api.services.worker_protocol import CLAIM_RECHECK_SECONDS, claim_job
from mimeo.cli.platform import platform
from mimeo.core.hardware import CPU
from mimeo.core.ids import new_prediction_id
from mimeo.core.protocol import Job, Offer, WarmSlot
from mimeo.core.records import NewPrediction, Prediction
from mimeo.queue import PredictionQueue
from mimeo.settings import Settings

VERSION_ID = "8" * 64


@dataclass
class Node:
    context: AppContext
    account_id: int

    async def create(self, queue: PredictionQueue | None = None) -> Prediction:
        return await (queue or self.context.queue).enqueue(self.new())

    async def create_as_the_api_does(self, deployment: str | None = None) -> Prediction:
        context = self.context
        generation = context.bus.work_generation
        return await hand_off_or_enqueue(
            context.hand_offs, context.queue, generation, self.new(deployment)
        )

    def new(self, deployment: str | None = None) -> NewPrediction:
        return NewPrediction(
            id=new_prediction_id(),
            account_id=self.account_id,
            model="alice/echo",
            version=VERSION_ID,
            input={"text": "hi"},
            hardware=CPU,
            deployment=deployment,
        )


WARM = Offer(warm=[WarmSlot(version=VERSION_ID, hardware=CPU)], startable_hardware=[])
ELSEWHERE = Offer(warm=[WarmSlot(version="9" * 64, hardware=CPU)], startable_hardware=[])


@pytest.fixture
async def node(tmp_path: Path) -> AsyncIterator[Node]:
    async with platform(Settings(data_dir=tmp_path), "http://mimeo.test") as context:
        store = context.store
        alice = await store.accounts.ensure("alice", "r8_alice-token")
        model = await store.catalog.create_model(alice.id, "alice", "echo")
        await store.catalog.add_version(
            model,
            VERSION_ID,
            cog_version="0.16.9",
            openapi_schema={"openapi": "3.0.2"},
            build={},
            archive_key="archives/echo.tar.gz",
        )
        yield Node(context, alice.id)


async def test_the_claim_after_the_last_one_is_woken_by_the_next_create(node: Node) -> None:
    only = await node.create()
    taken = await claim_job(node.context, "wkr_a", 0)
    assert taken is not None
    assert taken.prediction_id == only.id
    assert node.context.bus.nothing_queued

    waiting = asyncio.create_task(claim_job(node.context, "wkr_a", 30))
    await asyncio.sleep(0)
    assert not waiting.done()
    created = await node.create()

    job = await asyncio.wait_for(waiting, CLAIM_RECHECK_SECONDS / 2)
    assert job is not None
    assert job.prediction_id == created.id


async def test_work_nobody_announced_is_found_at_the_next_look(node: Node) -> None:
    await node.create()
    assert await claim_job(node.context, "wkr_a", 0) is not None
    assert node.context.bus.nothing_queued
    # Another API node's queue on the same database: this node's bus hears nothing of it.
    elsewhere = PredictionQueue(node.context.store.engine)
    unannounced = await node.create(elsewhere)

    job = await asyncio.wait_for(claim_job(node.context, "wkr_a", 30), CLAIM_RECHECK_SECONDS * 3)

    assert job is not None
    assert job.prediction_id == unannounced.id


async def waiting_claim(
    node: Node, offer: Offer, hung_up: asyncio.Future[None] | None = None
) -> asyncio.Task[Job | None]:
    """A claim that looked, found nothing, and waits; with ``hung_up``, an HTTP claim whose
    worker is gone once that is done."""
    waiting = asyncio.create_task(claim_job(node.context, "wkr_a", 30, offer, hung_up))
    for _ in range(100):  # its look is a few loop turns
        if waiting.done() or node.context.hand_offs.waiting:
            break
        await asyncio.sleep(0)
    assert node.context.hand_offs.waiting
    return waiting


async def test_a_waiting_claim_is_handed_a_new_prediction_that_fits_it(node: Node) -> None:
    waiting = await waiting_claim(node, WARM)
    generation = node.context.bus.work_generation

    created = await node.create_as_the_api_does()

    job = await asyncio.wait_for(waiting, CLAIM_RECHECK_SECONDS / 2)
    assert job is not None
    assert (job.prediction_id, job.attempt) == (created.id, 1)
    stored = await node.context.store.predictions.get(created.id)
    assert (stored.lease_owner, stored.attempts) == ("wkr_a", 1)
    assert node.context.bus.work_generation == generation  # nobody was woken to look


async def test_what_does_not_fit_a_waiting_claim_is_queued(node: Node) -> None:
    waiting = await waiting_claim(node, ELSEWHERE)

    created = await node.create_as_the_api_does()
    for_a_deployment = await node.create_as_the_api_does(deployment="alice/capped")

    waiting.cancel()
    for prediction in (created, for_a_deployment):
        stored = await node.context.store.predictions.get(prediction.id)
        assert (stored.lease_owner, stored.attempts) == (None, 0)


async def test_a_claim_that_stops_waiting_after_a_hand_off_gives_the_prediction_back(
    node: Node,
) -> None:
    waiting = await waiting_claim(node, WARM)

    created = await node.create_as_the_api_does()
    waiting.cancel()  # the worker drains before its claim saw the hand-off

    with pytest.raises(asyncio.CancelledError):
        await waiting
    stored = await node.context.store.predictions.get(created.id)
    assert (stored.status, stored.lease_owner, stored.attempts) == ("starting", None, 0)
    job = await claim_job(node.context, "wkr_b", 0, WARM)
    assert job is not None
    assert job.prediction_id == created.id


async def test_an_http_claim_is_handed_a_new_prediction_that_fits_it(node: Node) -> None:
    waiting = await waiting_claim(node, WARM, hung_up=asyncio.get_running_loop().create_future())

    created = await node.create_as_the_api_does()

    job = await asyncio.wait_for(waiting, CLAIM_RECHECK_SECONDS / 2)
    assert job is not None
    assert job.prediction_id == created.id


async def test_a_claim_whose_worker_hung_up_is_handed_nothing(node: Node) -> None:
    hung_up = asyncio.get_running_loop().create_future()
    waiting = await waiting_claim(node, WARM, hung_up)

    hung_up.set_result(None)
    assert await asyncio.wait_for(waiting, CLAIM_RECHECK_SECONDS / 2) is None
    created = await node.create_as_the_api_does()

    stored = await node.context.store.predictions.get(created.id)
    assert (stored.lease_owner, stored.attempts) == (None, 0)


async def test_a_claim_handed_a_prediction_as_its_worker_hung_up_gives_it_back(
    node: Node,
) -> None:
    hung_up = asyncio.get_running_loop().create_future()
    waiting = await waiting_claim(node, WARM, hung_up)

    created = await node.create_as_the_api_does()
    hung_up.set_result(None)  # before the claim saw the hand-off

    assert await asyncio.wait_for(waiting, CLAIM_RECHECK_SECONDS / 2) is None
    stored = await node.context.store.predictions.get(created.id)
    assert (stored.status, stored.lease_owner, stored.attempts) == ("starting", None, 0)
