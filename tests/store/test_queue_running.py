"""A leased prediction runs: start, progress, heartbeat, finish (``PredictionQueue``)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mimeo.core.errors import InvalidTransition
from mimeo.core.records import Prediction
from mimeo.core.status import PredictionStatus
from mimeo.queue import LeaseLost, PredictionQueue
from mimeo.store.store import Store
from tests.store.conftest import LEASE_SECONDS, Enqueue, FakeClock


@pytest.fixture
async def leased(queue: PredictionQueue, enqueue: Enqueue, clock: FakeClock) -> Prediction:
    """A prediction created a second ago and just claimed by ``wkr_a``."""
    await enqueue()
    clock.advance(1)
    claim = await queue.claim("wkr_a")
    assert claim is not None
    return claim.prediction


async def test_start_moves_the_prediction_to_processing(
    queue: PredictionQueue, leased: Prediction, clock: FakeClock
) -> None:
    started = await queue.start(leased.id, "wkr_a")

    assert (started.status, started.started_at) == (PredictionStatus.PROCESSING, clock.now)


async def test_a_start_writes_what_came_with_it_and_renews_the_lease(
    queue: PredictionQueue, leased: Prediction, clock: FakeClock
) -> None:
    clock.advance(5)

    started = await queue.start(leased.id, "wkr_a", logs="loading\n", output=["a"])

    assert (started.status, started.logs, started.output) == (
        PredictionStatus.PROCESSING,
        "loading\n",
        ["a"],
    )
    assert started.lease_expires_at == clock.now + timedelta(seconds=LEASE_SECONDS)


async def test_only_the_lease_holder_may_start(queue: PredictionQueue, leased: Prediction) -> None:
    with pytest.raises(LeaseLost):
        await queue.start(leased.id, "wkr_b")


async def test_a_prediction_starts_only_once(queue: PredictionQueue, leased: Prediction) -> None:
    await queue.start(leased.id, "wkr_a")

    with pytest.raises(InvalidTransition, match="from processing to processing"):
        await queue.start(leased.id, "wkr_a")


async def test_progress_appends_logs(queue: PredictionQueue, leased: Prediction) -> None:
    await queue.progress(leased.id, "wkr_a", logs="one\n")

    assert (await queue.progress(leased.id, "wkr_a", logs="two\n")).logs == "one\ntwo\n"


async def test_progress_replaces_the_output_so_far(
    queue: PredictionQueue, leased: Prediction
) -> None:
    await queue.progress(leased.id, "wkr_a", output=["a"])

    updated = await queue.progress(leased.id, "wkr_a", output=["a", "b"])

    assert updated.output == ["a", "b"]


async def test_progress_without_output_keeps_the_output(
    queue: PredictionQueue, leased: Prediction
) -> None:
    await queue.progress(leased.id, "wkr_a", output="so far")

    assert (await queue.progress(leased.id, "wkr_a", logs="x")).output == "so far"


async def test_progress_renews_the_lease(
    queue: PredictionQueue, leased: Prediction, clock: FakeClock
) -> None:
    clock.advance(20)

    updated = await queue.progress(leased.id, "wkr_a", logs="x")

    assert updated.lease_expires_at == clock.now + timedelta(seconds=LEASE_SECONDS)


async def test_a_heartbeat_renews_the_lease(
    queue: PredictionQueue, leased: Prediction, clock: FakeClock
) -> None:
    clock.advance(20)

    updated = await queue.heartbeat(leased.id, "wkr_a")

    assert updated.lease_expires_at == clock.now + timedelta(seconds=LEASE_SECONDS)


@pytest.mark.parametrize("operation", ["heartbeat", "progress"])
async def test_another_worker_cannot_renew_the_lease(
    queue: PredictionQueue, leased: Prediction, operation: str
) -> None:
    with pytest.raises(LeaseLost, match="not leased to wkr_b"):
        await getattr(queue, operation)(leased.id, "wkr_b")


async def test_finish_ends_the_prediction_with_its_result(
    queue: PredictionQueue, leased: Prediction, clock: FakeClock
) -> None:
    await queue.start(leased.id, "wkr_a")

    done = await queue.finish(leased.id, "wkr_a", PredictionStatus.SUCCEEDED, output="hi")

    assert (done.status, done.output, done.error) == (PredictionStatus.SUCCEEDED, "hi", None)
    assert done.completed_at == clock.now


async def test_finish_releases_the_lease(queue: PredictionQueue, leased: Prediction) -> None:
    done = await queue.finish(leased.id, "wkr_a", PredictionStatus.FAILED, error="boom")

    assert (done.lease_owner, done.lease_expires_at) == (None, None)


async def test_finish_appends_the_last_logs(queue: PredictionQueue, leased: Prediction) -> None:
    await queue.progress(leased.id, "wkr_a", logs="one\n")

    done = await queue.finish(leased.id, "wkr_a", PredictionStatus.SUCCEEDED, logs="two\n")

    assert done.logs == "one\ntwo\n"


async def test_finish_measures_predict_time_from_start_and_total_time_from_creation(
    queue: PredictionQueue, leased: Prediction, clock: FakeClock
) -> None:
    clock.advance(1)
    await queue.start(leased.id, "wkr_a")
    clock.advance(3)

    done = await queue.finish(leased.id, "wkr_a", PredictionStatus.SUCCEEDED)

    assert done.metrics == {"predict_time": 3.0, "total_time": 5.0}


async def test_finish_keeps_the_predict_time_the_model_server_reported(
    queue: PredictionQueue, leased: Prediction, clock: FakeClock
) -> None:
    await queue.start(leased.id, "wkr_a")
    clock.advance(3)

    done = await queue.finish(
        leased.id, "wkr_a", PredictionStatus.SUCCEEDED, metrics={"predict_time": 1.25}
    )

    assert done.metrics == {"predict_time": 1.25, "total_time": 4.0}


async def test_a_finish_the_model_timed_keeps_the_start_that_was_recorded(
    queue: PredictionQueue, leased: Prediction, clock: FakeClock
) -> None:
    started = await queue.start(leased.id, "wkr_a")
    clock.advance(3)

    done = await queue.finish(
        leased.id, "wkr_a", PredictionStatus.SUCCEEDED, metrics={"predict_time": 1.25}
    )

    assert done.started_at == started.started_at


async def test_a_finish_the_model_timed_without_a_start_dates_the_start_from_predict_time(
    queue: PredictionQueue, leased: Prediction, clock: FakeClock
) -> None:
    clock.advance(3)

    done = await queue.finish(
        leased.id, "wkr_a", PredictionStatus.SUCCEEDED, metrics={"predict_time": 1.25}
    )

    assert done.started_at == clock.now - timedelta(seconds=1.25)


async def test_a_prediction_another_node_created_is_timed_from_its_creation(
    store: Store, leased: Prediction, clock: FakeClock
) -> None:
    """Another API node's queue never saw the creation: it reads when it was."""
    other_node = PredictionQueue(store.engine, clock, lease_seconds=LEASE_SECONDS)
    clock.advance(3)

    done = await other_node.finish(
        leased.id, "wkr_a", PredictionStatus.SUCCEEDED, metrics={"predict_time": 1.25}
    )

    assert done.metrics == {"predict_time": 1.25, "total_time": 4.0}


async def test_finish_counts_a_run_of_the_model(
    store: Store, queue: PredictionQueue, leased: Prediction
) -> None:
    await queue.finish(leased.id, "wkr_a", PredictionStatus.SUCCEEDED)

    assert (await store.catalog.get_model("alice", "echo")).run_count == 1


async def test_finish_with_a_live_status_is_refused(
    queue: PredictionQueue, leased: Prediction
) -> None:
    with pytest.raises(InvalidTransition, match="not a terminal status"):
        await queue.finish(leased.id, "wkr_a", PredictionStatus.PROCESSING)


async def test_a_prediction_finishes_only_once(queue: PredictionQueue, leased: Prediction) -> None:
    await queue.finish(leased.id, "wkr_a", PredictionStatus.SUCCEEDED, output="first")

    with pytest.raises(LeaseLost):
        await queue.finish(leased.id, "wkr_a", PredictionStatus.FAILED, error="second")


async def test_a_worker_that_lost_its_lease_cannot_finish(
    store: Store, queue: PredictionQueue, leased: Prediction, clock: FakeClock
) -> None:
    clock.advance(LEASE_SECONDS + 1)
    await queue.requeue_expired()
    await queue.claim("wkr_b")

    with pytest.raises(LeaseLost, match="not leased to wkr_a"):
        await queue.finish(leased.id, "wkr_a", PredictionStatus.SUCCEEDED, output="stale")
    current = await store.predictions.get(leased.id)
    assert (current.lease_owner, current.output) == ("wkr_b", None)
