"""Claiming queued predictions with a lease (``PredictionQueue.claim``)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from mimeo.core.status import PredictionStatus
from mimeo.queue import PredictionQueue
from mimeo.store.store import Store
from tests.store.conftest import LEASE_SECONDS, Enqueue, FakeClock


async def test_an_empty_queue_has_nothing_to_claim(queue: PredictionQueue) -> None:
    assert await queue.claim("wkr_a") is None


async def test_a_claim_gives_the_oldest_queued_prediction(
    queue: PredictionQueue, enqueue: Enqueue, clock: FakeClock
) -> None:
    await enqueue(created_at=clock.now)
    oldest = await enqueue(created_at=clock.now - timedelta(minutes=1))

    claim = await queue.claim("wkr_a")

    assert claim is not None
    assert claim.prediction.id == oldest.id


async def test_a_claim_leases_the_prediction_to_the_worker(
    queue: PredictionQueue, enqueue: Enqueue, clock: FakeClock
) -> None:
    await enqueue()

    claim = await queue.claim("wkr_a")

    assert claim is not None
    expires = clock.now + timedelta(seconds=LEASE_SECONDS)
    assert claim.lease_expires_at == expires
    assert (claim.prediction.lease_owner, claim.prediction.lease_expires_at) == ("wkr_a", expires)


async def test_a_claim_counts_an_attempt_and_leaves_the_status_starting(
    queue: PredictionQueue, enqueue: Enqueue
) -> None:
    await enqueue()

    claim = await queue.claim("wkr_a")

    assert claim is not None
    assert (claim.prediction.attempts, claim.prediction.status) == (1, PredictionStatus.STARTING)


async def test_two_claims_never_get_the_same_prediction(
    queue: PredictionQueue, enqueue: Enqueue
) -> None:
    await enqueue()
    await enqueue()

    first = await queue.claim("wkr_a")
    second = await queue.claim("wkr_b")

    assert first is not None
    assert second is not None
    assert first.prediction.id != second.prediction.id
    assert await queue.claim("wkr_c") is None


async def test_a_leased_prediction_is_not_claimed_again(
    queue: PredictionQueue, enqueue: Enqueue
) -> None:
    await enqueue()
    await queue.claim("wkr_a")

    assert await queue.claim("wkr_a") is None


async def test_an_ended_prediction_is_not_claimed(queue: PredictionQueue, enqueue: Enqueue) -> None:
    prediction = await enqueue()
    await queue.cancel(prediction.id)

    assert await queue.claim("wkr_a") is None


async def test_concurrent_claims_lease_every_prediction_exactly_once(
    store: Store, queue: PredictionQueue, enqueue: Enqueue
) -> None:
    queued = {(await enqueue()).id for _ in range(12)}

    racing = await asyncio.gather(*(queue.claim(f"wkr_{n}") for n in range(24)))
    claims = [claim for claim in racing if claim is not None]
    while (late := await queue.claim("wkr_late")) is not None:
        claims.append(late)

    claimed = [claim.prediction.id for claim in claims]
    assert sorted(claimed) == sorted(queued)
    for claim in claims:
        row = await store.predictions.get(claim.prediction.id)
        assert (row.lease_owner, row.attempts) == (claim.prediction.lease_owner, 1)


async def test_a_claim_says_whether_it_left_the_queue_empty(
    queue: PredictionQueue, enqueue: Enqueue
) -> None:
    await enqueue()
    await enqueue()

    first = await queue.claim("wkr_a")
    second = await queue.claim("wkr_b")

    assert first is not None
    assert second is not None
    assert (first.drained, second.drained) == (False, True)
