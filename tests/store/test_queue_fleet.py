"""What a worker may claim: what fits its offer, in fair order, within deployment caps and
deadlines; and a drained worker handing predictions back."""

from __future__ import annotations

from datetime import timedelta

from mimeo.core.protocol import Offer, WarmSlot
from mimeo.core.records import Account
from mimeo.core.status import PredictionStatus
from mimeo.queue import PredictionQueue
from mimeo.queue.sweeps import DEADLINE_BEFORE_START
from mimeo.store.store import Store
from mimeo.store.tables import deployments
from tests.store.conftest import Enqueue, FakeClock

VERSION_A = "a" * 64
VERSION_B = "b" * 64


async def claim_id(queue: PredictionQueue, worker: str, offer: Offer | None = None) -> str | None:
    claim = await queue.claim(worker, offer)
    return None if claim is None else claim.prediction.id


async def test_a_version_with_fewer_predictions_in_flight_goes_first(
    queue: PredictionQueue, enqueue: Enqueue, clock: FakeClock
) -> None:
    earlier = clock.now - timedelta(minutes=1)
    for _ in range(3):
        await enqueue(version=VERSION_A, created_at=earlier)
    other = await enqueue(version=VERSION_B)
    await claim_id(queue, "wkr_a")

    assert await claim_id(queue, "wkr_b") == other.id


async def test_predictions_of_one_version_are_claimed_in_creation_order(
    queue: PredictionQueue, enqueue: Enqueue, clock: FakeClock
) -> None:
    created = [
        await enqueue(version=VERSION_A, created_at=clock.now + timedelta(seconds=i))
        for i in range(3)
    ]

    claimed = [await claim_id(queue, "wkr_a") for _ in created]

    assert claimed == [p.id for p in created]


async def test_a_full_worker_claims_only_versions_it_has_warm(
    queue: PredictionQueue, enqueue: Enqueue, clock: FakeClock
) -> None:
    await enqueue(version=VERSION_A, created_at=clock.now - timedelta(minutes=1))
    warm = await enqueue(version=VERSION_B)
    offer = Offer(warm=[WarmSlot(version=VERSION_B, hardware="cpu")], startable_hardware=[])

    assert await claim_id(queue, "wkr_a", offer) == warm.id
    assert await claim_id(queue, "wkr_a", offer) is None


async def test_a_warm_instance_takes_only_predictions_for_its_own_hardware(
    queue: PredictionQueue, enqueue: Enqueue
) -> None:
    await enqueue(version=VERSION_A, hardware="gpu-t4")
    offer = Offer(warm=[WarmSlot(version=VERSION_A, hardware="cpu")], startable_hardware=[])

    assert await claim_id(queue, "wkr_a", offer) is None


async def test_a_cpu_worker_leaves_gpu_predictions_queued(
    queue: PredictionQueue, enqueue: Enqueue
) -> None:
    await enqueue(hardware="gpu-t4")

    assert await claim_id(queue, "wkr_cpu", Offer(startable_hardware=["cpu"])) is None
    assert await claim_id(queue, "wkr_gpu", Offer(startable_hardware=["cpu", "gpu-t4"]))


async def test_a_deployment_never_has_more_in_flight_than_its_cap(
    store: Store, queue: PredictionQueue, enqueue: Enqueue, account: Account, clock: FakeClock
) -> None:
    async with store.engine.begin() as conn:
        await conn.execute(
            deployments.insert().values(
                account_id=account.id,
                owner="alice",
                name="echo-prod",
                created_at=clock.now,
                release_number=1,
                release_created_at=clock.now,
                model="alice/echo",
                version=VERSION_A,
                hardware="cpu",
                min_instances=0,
                max_instances=1,
                max_in_flight=1,
            )
        )
    first = await enqueue(
        version=VERSION_A, deployment="alice/echo-prod", created_at=clock.now - timedelta(1)
    )
    await enqueue(version=VERSION_A, deployment="alice/echo-prod")

    assert await claim_id(queue, "wkr_a") == first.id
    assert await claim_id(queue, "wkr_b") is None

    await queue.finish(first.id, "wkr_a", PredictionStatus.SUCCEEDED, output="ok")
    assert await claim_id(queue, "wkr_b") is not None


async def test_a_prediction_past_its_deadline_is_not_claimed_but_canceled(
    queue: PredictionQueue, enqueue: Enqueue, clock: FakeClock
) -> None:
    late = await enqueue(cancel_after_seconds=5)
    clock.advance(6)

    assert await claim_id(queue, "wkr_a") is None
    (canceled,) = await queue.enforce_deadlines()

    assert (canceled.id, canceled.status) == (late.id, PredictionStatus.CANCELED)
    assert canceled.error == DEADLINE_BEFORE_START


async def test_a_running_prediction_past_its_deadline_is_flagged_for_cancel(
    queue: PredictionQueue, enqueue: Enqueue, clock: FakeClock
) -> None:
    running = await enqueue(cancel_after_seconds=5)
    await claim_id(queue, "wkr_a")
    await queue.start(running.id, "wkr_a")
    clock.advance(6)

    (flagged,) = await queue.enforce_deadlines()

    assert (flagged.id, flagged.status, flagged.cancel_requested) == (
        running.id,
        PredictionStatus.PROCESSING,
        True,
    )
    assert "Cancel-After" in flagged.logs


async def test_a_handed_back_prediction_is_queued_again_without_counting_an_attempt(
    queue: PredictionQueue, enqueue: Enqueue
) -> None:
    prediction = await enqueue()
    await claim_id(queue, "wkr_a")
    await queue.start(prediction.id, "wkr_a")

    returned = await queue.hand_back(prediction.id, "wkr_a")

    assert (returned.status, returned.lease_owner, returned.attempts, returned.started_at) == (
        PredictionStatus.STARTING,
        None,
        0,
        None,
    )
    assert await claim_id(queue, "wkr_b") == prediction.id


async def test_a_claim_knows_how_long_its_prediction_waited(
    queue: PredictionQueue, enqueue: Enqueue, clock: FakeClock
) -> None:
    await enqueue()
    clock.advance(3)

    claim = await queue.claim("wkr_a")

    assert claim is not None
    assert claim.queued_seconds == 3.0
