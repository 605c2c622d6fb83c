"""A running job's state: why mimeo stepped in decides how the prediction ends."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from mimeo.core.protocol import Job
from mimeo.worker.running_job import Canceled, InstanceFate, Phase, RunningJob


def running() -> RunningJob:
    return RunningJob(
        Job(
            prediction_id="p",
            model="m",
            version="v",
            input={},
            lease_expires_at=datetime.now(UTC),
            lease_seconds=30,
            attempt=1,
        )
    )


def test_an_instance_mimeo_stopped_is_not_counted_as_lost() -> None:
    """A forced cancel stops the instance; its death that follows is expected, and the ending
    stays the one mimeo chose."""
    job = running()
    job.instance_fate = InstanceFate.STOPPED

    job.lose_instance()

    assert job.instance_fate is InstanceFate.STOPPED


def test_an_instance_that_dies_on_its_own_is_lost() -> None:
    job = running()

    job.lose_instance()

    assert job.instance_fate is InstanceFate.LOST


async def test_the_first_reason_to_step_in_is_the_one_kept() -> None:
    job = running()

    await job.cancel()
    await job.hand_back()

    assert isinstance(job.intervention, Canceled)


class RecordingServer:
    def __init__(self) -> None:
        self.canceled: list[str] = []

    async def cancel(self, prediction_id: str) -> None:
        self.canceled.append(prediction_id)


async def test_a_cancel_after_the_prediction_ended_asks_nothing_of_its_instance() -> None:
    """By then the instance may be running the next prediction."""
    job = running()
    server = RecordingServer()
    job.instance = SimpleNamespace(server=server)  # type: ignore[assignment]
    job.phase = Phase.PREDICTING

    job.settle()
    await job.cancel()

    assert server.canceled == []
