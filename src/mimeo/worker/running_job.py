"""One claimed prediction on this worker, as an explicit state: where it is in its run, whether
mimeo stepped in (and why), and what became of its instance.

Cog's servers only ask a predictor to stop; one that ignores the request (a sync predictor in a
blocking call) has its instance stopped after a grace period. A timeout and a hand-back stop it
the same way. The first reason mimeo steps in is the one the prediction ends with.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from enum import Enum
from typing import Any

import structlog

from mimeo.core.protocol import Job
from mimeo.worker.pool import Instance

log = structlog.get_logger()
CANCEL_GRACE_SECONDS = 5.0


class Phase(Enum):
    WAITING = "waiting"
    """For its instance: a cold start, or a free slot."""
    PREDICTING = "predicting"
    ENDED = "ended"
    """The model is done with it: nothing more is asked of its instance, which may be running
    the next prediction while this one's outcome is still on its way to the API."""


@dataclass(frozen=True)
class Canceled:
    """The user (or a passed ``Cancel-After``) asked for a cancel."""


@dataclass(frozen=True)
class TimedOut:
    limit: float


@dataclass(frozen=True)
class HandedBack:
    """The worker is draining: the prediction goes back to the queue."""


Intervention = Canceled | TimedOut | HandedBack


class InstanceFate(Enum):
    HEALTHY = "healthy"
    """Released to the pool for the next prediction."""
    STOPPED = "stopped"
    """Stopped by mimeo (a cancel it ignored, a timeout, a hand-back): replaced, not reused."""
    LOST = "lost"
    """Died under the prediction."""


class RunningJob:
    def __init__(self, job: Job) -> None:
        self.job = job
        self.instance: Instance | None = None
        self.phase = Phase.WAITING
        self.intervention: Intervention | None = None
        self.instance_fate = InstanceFate.HEALTHY
        self._intervened = asyncio.Event()
        self._stopping: asyncio.Task[None] | None = None
        self._enforcer: asyncio.Task[None] | None = None

    @property
    def prediction_id(self) -> str:
        return self.job.prediction_id

    def _intervene(self, reason: Intervention) -> bool:
        """Record the first reason; False when mimeo had already stepped in."""
        if self.intervention is not None:
            return False
        self.intervention = reason
        self._intervened.set()
        return True

    async def cancel(self) -> None:
        if self._intervene(Canceled()):
            await self._ask_to_stop()

    def time_out(self, limit: float) -> None:
        if self._intervene(TimedOut(limit)):
            log.warning("prediction.timed_out", prediction_id=self.prediction_id, limit=limit)
            self._stopping = asyncio.get_running_loop().create_task(self._ask_to_stop())

    async def hand_back(self) -> None:
        """At once while it waits for its instance; by stopping the instance once it runs (the
        ending is then decided by the runner)."""
        if self._intervene(HandedBack()) and self.phase is Phase.PREDICTING:
            await self._stop_now()

    def lose_instance(self) -> None:
        """The instance died under the prediction; one mimeo stopped itself stays ``STOPPED``,
        so the ending is still the one mimeo chose (a forced cancel, a timeout)."""
        if self.instance_fate is InstanceFate.HEALTHY:
            self.instance_fate = InstanceFate.LOST

    async def unless_intervened(self, waiting: Awaitable[float | None]) -> float | None:
        """``waiting``'s result, or None as soon as mimeo steps in (a cancel or a hand-back
        need not wait out a cold start)."""
        result: asyncio.Future[Any] = asyncio.ensure_future(waiting)
        intervened: asyncio.Future[Any] = asyncio.create_task(self._intervened.wait())
        await asyncio.wait({result, intervened}, return_when=asyncio.FIRST_COMPLETED)
        intervened.cancel()
        if not result.done():
            result.cancel()
            return None
        setup_seconds: float | None = result.result()
        return setup_seconds

    @property
    def stepped_in(self) -> bool:
        """mimeo, not the model, decides how this prediction ends."""
        return self.instance_fate is InstanceFate.STOPPED or isinstance(
            self.intervention, TimedOut | HandedBack
        )

    def settle(self) -> None:
        self.phase = Phase.ENDED
        if self._enforcer is not None:
            self._enforcer.cancel()

    async def _ask_to_stop(self) -> None:
        instance = self.instance
        if instance is None or instance.server is None or self.phase is not Phase.PREDICTING:
            return
        await instance.server.cancel(self.prediction_id)
        if self._enforcer is None:
            self._enforcer = asyncio.create_task(self._stop_after_grace(instance))

    async def _stop_after_grace(self, instance: Instance) -> None:
        await asyncio.sleep(CANCEL_GRACE_SECONDS)
        if self.instance is instance:
            log.warning("prediction.cancel_forced", prediction_id=self.prediction_id)
            await self._stop_now()

    async def _stop_now(self) -> None:
        instance = self.instance
        if instance is not None and instance.server is not None:
            self.instance_fate = InstanceFate.STOPPED
            await instance.server.stop(grace_seconds=1.0)
