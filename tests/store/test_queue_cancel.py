"""Cancelling: a queued prediction ends at once, a running one is flagged for its worker."""

from __future__ import annotations

from mimeo.core.records import Prediction
from mimeo.core.status import PredictionStatus
from mimeo.queue import PredictionQueue
from tests.store.conftest import Enqueue, FakeClock


async def claimed(queue: PredictionQueue, enqueue: Enqueue) -> Prediction:
    await enqueue()
    claim = await queue.claim("wkr_a")
    assert claim is not None
    return claim.prediction


async def test_cancelling_a_queued_prediction_ends_it_at_once(
    queue: PredictionQueue, enqueue: Enqueue, clock: FakeClock
) -> None:
    prediction = await enqueue()

    canceled = await queue.cancel(prediction.id)

    assert (canceled.status, canceled.completed_at) == (PredictionStatus.CANCELED, clock.now)


async def test_a_prediction_canceled_in_the_queue_never_ran(
    queue: PredictionQueue, enqueue: Enqueue
) -> None:
    prediction = await enqueue()

    canceled = await queue.cancel(prediction.id)

    assert canceled.metrics == {"predict_time": 0.0, "total_time": 0.0}
    assert canceled.started_at is None


async def test_cancelling_a_running_prediction_asks_its_worker(
    queue: PredictionQueue, enqueue: Enqueue
) -> None:
    running = await claimed(queue, enqueue)
    await queue.start(running.id, "wkr_a")

    flagged = await queue.cancel(running.id)

    assert (flagged.status, flagged.cancel_requested) == (PredictionStatus.PROCESSING, True)


async def test_the_worker_hears_of_the_cancel_on_its_next_heartbeat(
    queue: PredictionQueue, enqueue: Enqueue
) -> None:
    running = await claimed(queue, enqueue)
    await queue.cancel(running.id)

    assert (await queue.heartbeat(running.id, "wkr_a")).cancel_requested is True


async def test_the_worker_then_ends_the_prediction_as_canceled(
    queue: PredictionQueue, enqueue: Enqueue
) -> None:
    running = await claimed(queue, enqueue)
    await queue.cancel(running.id)

    done = await queue.finish(running.id, "wkr_a", PredictionStatus.CANCELED)

    assert done.status is PredictionStatus.CANCELED


async def test_cancelling_an_ended_prediction_changes_nothing(
    queue: PredictionQueue, enqueue: Enqueue
) -> None:
    running = await claimed(queue, enqueue)
    done = await queue.finish(running.id, "wkr_a", PredictionStatus.SUCCEEDED, output="hi")

    assert await queue.cancel(running.id) == done
