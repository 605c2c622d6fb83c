"""API nodes on one PostgreSQL database hear each other's prediction changes: a change committed
through one node's queue reaches the other node's bus (and wakes its waiting claims), each node
hears its own changes once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from mimeo.api.context import AppContext
from mimeo.cli.platform import platform
from mimeo.core.hardware import CPU
from mimeo.core.ids import new_prediction_id
from mimeo.core.records import NewPrediction
from mimeo.core.status import PredictionStatus
from mimeo.events import PredictionEvent
from mimeo.settings import Settings

pytestmark = pytest.mark.postgres
HEARD_WITHIN_SECONDS = 10.0


@pytest.fixture
async def nodes(
    migrated_postgres_database: str, tmp_path: Path
) -> AsyncIterator[tuple[AppContext, AppContext]]:
    """Two API nodes, each with its listener running as the app's lifespan runs it."""
    settings = Settings(database_url=migrated_postgres_database, data_dir=tmp_path)
    async with (
        platform(settings, "http://a.test") as a,
        platform(settings, "http://b.test") as b,
    ):
        assert a.cross_node is not None
        assert b.cross_node is not None
        listening = [asyncio.create_task(node.run()) for node in (a.cross_node, b.cross_node)]
        await asyncio.wait_for(a.cross_node.listening.wait(), HEARD_WITHIN_SECONDS)
        await asyncio.wait_for(b.cross_node.listening.wait(), HEARD_WITHIN_SECONDS)
        yield a, b
        for task in listening:
            task.cancel()
        await asyncio.gather(*listening, return_exceptions=True)


async def new_prediction(node: AppContext) -> NewPrediction:
    account = await node.store.accounts.ensure("alice", "r8_alice-token")
    model = await node.store.catalog.find_model("alice", "echo")
    if model is None:
        await node.store.catalog.create_model(account.id, "alice", "echo")
    return NewPrediction(
        id=new_prediction_id(),
        account_id=account.id,
        model="alice/echo",
        version="v" * 64,
        input={"text": "hi"},
        hardware=CPU,
    )


async def next_event(queue: asyncio.Queue[PredictionEvent]) -> PredictionEvent:
    return await asyncio.wait_for(queue.get(), HEARD_WITHIN_SECONDS)


async def test_a_change_through_one_node_reaches_the_other_nodes_subscribers(
    nodes: tuple[AppContext, AppContext],
) -> None:
    a, b = nodes
    new = await new_prediction(a)
    on_b = b.bus.subscribe(new.id)

    await a.queue.enqueue(new)
    claim = await a.queue.claim("wkr_a")
    assert claim is not None
    await a.queue.finish(new.id, "wkr_a", PredictionStatus.SUCCEEDED, output="hi")

    created = await next_event(on_b)
    while not (event := await next_event(on_b)).terminal:
        pass
    assert created.prediction.id == new.id
    assert event.prediction.output == "hi"


async def test_a_new_prediction_wakes_the_claims_waiting_on_the_other_node(
    nodes: tuple[AppContext, AppContext],
) -> None:
    a, b = nodes
    new = await new_prediction(a)
    seen = b.bus.work_generation

    await a.queue.enqueue(new)

    assert await b.bus.wait_for_work(seen, HEARD_WITHIN_SECONDS)


async def test_a_node_hears_its_own_change_once(nodes: tuple[AppContext, AppContext]) -> None:
    """Notices arrive in commit order: a duplicate of A's own create would come before B's
    cancel."""
    a, b = nodes
    new = await new_prediction(a)
    on_a = a.bus.subscribe(new.id)

    await a.queue.enqueue(new)
    await b.queue.cancel(new.id)

    assert (await next_event(on_a)).prediction.status == "starting"
    assert (await next_event(on_a)).prediction.status == "canceled"
