"""The outbox records each webhook event in the transaction of the change that caused it: the
right events, in order, with the prediction as it was, and throttled progress."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from mimeo.core.records import Account, Model, Prediction, as_utc
from mimeo.core.status import PredictionStatus
from mimeo.queue import PredictionQueue
from mimeo.store.store import Store
from mimeo.webhooks import Outbox
from mimeo.webhooks.deliveries import DeliveryRepository
from tests.store.conftest import FakeClock
from tests.store.webhooks import HOOK, create, outbox_rows, render

WORKER = "wkr_test"


@pytest.fixture(autouse=True)
def outbox(queue: PredictionQueue, clock: FakeClock) -> Outbox:
    box = Outbox(render, clock)
    queue.record_with(box.record)
    return box


async def started(
    queue: PredictionQueue, account: Account, model: Model, clock: FakeClock, **values: object
) -> Prediction:
    prediction = await create(queue, account, model, clock, **values)
    assert await queue.claim(WORKER) is not None
    return await queue.start(prediction.id, WORKER)


async def test_a_prediction_without_a_webhook_records_nothing(
    queue: PredictionQueue, store: Store, account: Account, model: Model, clock: FakeClock
) -> None:
    prediction = await started(queue, account, model, clock, webhook=None)
    await queue.finish(prediction.id, WORKER, PredictionStatus.SUCCEEDED, output="x")

    assert await outbox_rows(store, prediction.id) == []


async def deliver_due(store: Store, clock: FakeClock) -> None:
    """What the dispatcher would do, minus the HTTP: every due event counts as delivered."""
    repository = DeliveryRepository(store.engine)
    while claimed := await repository.claim(clock(), 30, 10):
        for delivery in claimed:
            await repository.delivered(delivery.id, clock())


async def test_each_change_records_its_event_with_the_prediction_of_that_moment(
    queue: PredictionQueue, store: Store, account: Account, model: Model, clock: FakeClock
) -> None:
    prediction = await started(queue, account, model, clock)
    await queue.progress(prediction.id, WORKER, logs="one\n")
    await deliver_due(store, clock)
    clock.advance(1)
    await queue.progress(prediction.id, WORKER, output=["a"])
    await deliver_due(store, clock)
    clock.advance(1)
    await queue.finish(prediction.id, WORKER, PredictionStatus.SUCCEEDED, output=["a", "b"])

    rows = await outbox_rows(store, prediction.id)

    assert [(r.seq, r.event) for r in rows] == [
        (1, "start"),
        (2, "logs"),
        (3, "output"),
        (4, "completed"),
    ]
    bodies = [json.loads(r.body) for r in rows]
    assert [b["status"] for b in bodies] == ["starting", "processing", "processing", "succeeded"]
    assert [b["output"] for b in bodies] == [None, None, ["a"], ["a", "b"]]
    assert {r.url for r in rows} == {HOOK}
    assert len({r.id for r in rows}) == 4
    assert all(r.id.startswith("msg_") for r in rows)


async def test_progress_folds_into_an_event_not_yet_sent(
    queue: PredictionQueue, store: Store, account: Account, model: Model, clock: FakeClock
) -> None:
    prediction = await started(queue, account, model, clock)
    await queue.progress(prediction.id, WORKER, logs="one\n")
    clock.advance(0.1)
    await queue.progress(prediction.id, WORKER, logs="two\n")
    clock.advance(5)
    await queue.progress(prediction.id, WORKER, output=["a"])

    rows = await outbox_rows(store, prediction.id)

    assert [r.event for r in rows] == ["start", "output"]
    assert json.loads(rows[1].body)["logs"] == "one\ntwo\n"
    assert json.loads(rows[1].body)["output"] == ["a"]


async def test_progress_after_the_previous_was_sent_waits_out_the_throttle(
    queue: PredictionQueue, store: Store, account: Account, model: Model, clock: FakeClock
) -> None:
    repository = DeliveryRepository(store.engine)
    prediction = await started(queue, account, model, clock)
    [start] = await repository.claim(clock(), 30, 10)
    await repository.delivered(start.id, clock())
    await queue.progress(prediction.id, WORKER, logs="one\n")
    first_due = clock()
    [first] = await repository.claim(clock(), 30, 10)
    clock.advance(0.1)

    await queue.progress(prediction.id, WORKER, logs="two\n")

    rows = await outbox_rows(store, prediction.id)
    assert [r.id for r in rows[:2]] == [start.id, first.id]
    assert [r.event for r in rows] == ["start", "logs", "logs"]
    assert as_utc(rows[2].due_at) == first_due + timedelta(seconds=0.5)
    assert as_utc(rows[2].next_attempt_at) == first_due + timedelta(seconds=0.5)
    assert json.loads(rows[1].body)["logs"] == "one\n"
    assert json.loads(rows[2].body)["logs"] == "one\ntwo\n"


async def test_completed_is_not_throttled_and_comes_last(
    queue: PredictionQueue, store: Store, account: Account, model: Model, clock: FakeClock
) -> None:
    prediction = await started(queue, account, model, clock)
    await queue.progress(prediction.id, WORKER, logs="one\n")
    clock.advance(0.1)
    await queue.finish(prediction.id, WORKER, PredictionStatus.FAILED, error="boom", logs="x\n")

    rows = await outbox_rows(store, prediction.id)

    assert [r.event for r in rows] == ["start", "logs", "completed"]
    assert as_utc(rows[2].due_at) == clock()
    assert json.loads(rows[2].body)["status"] == "failed"


async def test_the_filter_keeps_only_the_events_asked_for(
    queue: PredictionQueue, store: Store, account: Account, model: Model, clock: FakeClock
) -> None:
    prediction = await started(queue, account, model, clock, webhook_events_filter=["completed"])
    await queue.progress(prediction.id, WORKER, logs="one\n", output=["a"])
    await queue.finish(prediction.id, WORKER, PredictionStatus.SUCCEEDED, output=["a"])

    rows = await outbox_rows(store, prediction.id)

    assert [r.event for r in rows] == ["completed"]


async def test_a_canceled_queued_prediction_sends_completed(
    queue: PredictionQueue, store: Store, account: Account, model: Model, clock: FakeClock
) -> None:
    prediction = await create(queue, account, model, clock)

    await queue.cancel(prediction.id)

    rows = await outbox_rows(store, prediction.id)
    assert [r.event for r in rows] == ["start", "completed"]
    assert json.loads(rows[1].body)["status"] == "canceled"


async def test_a_prediction_failed_by_the_sweeper_sends_completed(
    queue: PredictionQueue, store: Store, account: Account, model: Model, clock: FakeClock
) -> None:
    prediction = await create(queue, account, model, clock)
    for _ in range(2):
        assert await queue.claim(WORKER) is not None
        clock.advance(3600)
        await queue.requeue_expired()

    rows = await outbox_rows(store, prediction.id)
    assert [r.event for r in rows] == ["start", "completed"]
    assert json.loads(rows[1].body)["status"] == "failed"
