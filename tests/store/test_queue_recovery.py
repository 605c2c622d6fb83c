"""A prediction whose worker stopped heartbeating is retried once, then failed."""

from __future__ import annotations

import pytest

from mimeo.core.leases import MAX_ATTEMPTS
from mimeo.core.records import Prediction
from mimeo.core.status import PredictionStatus
from mimeo.queue import LeaseLost, PredictionQueue
from mimeo.store.store import Store
from tests.store.conftest import LEASE_SECONDS, Enqueue, FakeClock


@pytest.fixture
async def running(queue: PredictionQueue, enqueue: Enqueue) -> Prediction:
    """A prediction ``wkr_a`` claimed and started; its lease runs for LEASE_SECONDS."""
    await enqueue()
    claim = await queue.claim("wkr_a")
    assert claim is not None
    return await queue.start(claim.prediction.id, "wkr_a")


async def test_a_live_lease_is_left_alone(
    store: Store, queue: PredictionQueue, running: Prediction, clock: FakeClock
) -> None:
    clock.advance(LEASE_SECONDS)

    assert await queue.requeue_expired() == []
    assert (await store.predictions.get(running.id)).lease_owner == "wkr_a"


async def test_an_expired_lease_returns_the_prediction_to_the_queue(
    queue: PredictionQueue, running: Prediction, clock: FakeClock
) -> None:
    clock.advance(LEASE_SECONDS + 1)

    [requeued] = await queue.requeue_expired()

    assert requeued.id == running.id
    assert (requeued.status, requeued.lease_owner, requeued.lease_expires_at) == (
        PredictionStatus.STARTING,
        None,
        None,
    )


async def test_a_requeued_prediction_says_why_in_its_logs(
    queue: PredictionQueue, running: Prediction, clock: FakeClock
) -> None:
    clock.advance(LEASE_SECONDS + 1)

    [requeued] = await queue.requeue_expired()

    assert "the worker stopped responding; retrying" in requeued.logs


async def test_a_requeued_prediction_is_claimed_again_as_a_second_attempt(
    queue: PredictionQueue, running: Prediction, clock: FakeClock
) -> None:
    clock.advance(LEASE_SECONDS + 1)
    await queue.requeue_expired()

    claim = await queue.claim("wkr_b")

    assert claim is not None
    assert (claim.prediction.id, claim.prediction.attempts) == (running.id, 2)


async def test_the_lost_worker_can_no_longer_report(
    queue: PredictionQueue, running: Prediction, clock: FakeClock
) -> None:
    clock.advance(LEASE_SECONDS + 1)
    await queue.requeue_expired()

    with pytest.raises(LeaseLost):
        await queue.progress(running.id, "wkr_a", logs="late")


async def test_a_lease_lost_on_the_last_attempt_fails_the_prediction(
    queue: PredictionQueue, running: Prediction, clock: FakeClock
) -> None:
    for attempt in range(2, MAX_ATTEMPTS + 1):
        clock.advance(LEASE_SECONDS + 1)
        await queue.requeue_expired()
        claim = await queue.claim(f"wkr_{attempt}")
        assert claim is not None
    clock.advance(LEASE_SECONDS + 1)

    [failed] = await queue.requeue_expired()

    assert (failed.status, failed.completed_at, failed.lease_owner) == (
        PredictionStatus.FAILED,
        clock.now,
        None,
    )
    assert failed.error is not None
    assert f"stopped responding {MAX_ATTEMPTS} times" in failed.error


async def test_heartbeats_keep_a_long_prediction_leased(
    queue: PredictionQueue, running: Prediction, clock: FakeClock
) -> None:
    for _ in range(3):
        clock.advance(LEASE_SECONDS - 1)
        await queue.heartbeat(running.id, "wkr_a")

    assert await queue.requeue_expired() == []


async def test_an_expired_prediction_that_was_asked_to_cancel_is_canceled(
    queue: PredictionQueue, running: Prediction, clock: FakeClock
) -> None:
    await queue.cancel(running.id)
    clock.advance(LEASE_SECONDS + 1)

    [canceled] = await queue.requeue_expired()

    assert (canceled.status, canceled.completed_at) == (PredictionStatus.CANCELED, clock.now)


async def test_ended_predictions_are_never_requeued(
    queue: PredictionQueue, running: Prediction, clock: FakeClock
) -> None:
    await queue.finish(running.id, "wkr_a", PredictionStatus.SUCCEEDED)
    clock.advance(LEASE_SECONDS + 1)

    assert await queue.requeue_expired() == []
