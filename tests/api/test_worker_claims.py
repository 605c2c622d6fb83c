"""A worker's claim (``claim_job``) after it took the last queued prediction: it waits for work
to be announced instead of looking at an empty queue first, and still finds work that no
announcement told of (another API node's, a lost notice) at its next look."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from mimeo.api.context import AppContext
from mimeo.api.services.worker_protocol import CLAIM_RECHECK_SECONDS, claim_job
from mimeo.cli.platform import platform
from mimeo.core.hardware import CPU
from mimeo.core.ids import new_prediction_id
from mimeo.core.records import NewPrediction, Prediction
from mimeo.queue import PredictionQueue
from mimeo.settings import Settings

VERSION_ID = "8" * 64


@dataclass
class Node:
    context: AppContext
    account_id: int

    async def create(self, queue: PredictionQueue | None = None) -> Prediction:
        new = NewPrediction(
            id=new_prediction_id(),
            account_id=self.account_id,
            model="alice/echo",
            version=VERSION_ID,
            input={"text": "hi"},
            hardware=CPU,
        )
        return await (queue or self.context.queue).enqueue(new)


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
