"""The in-process event bus: per-prediction subscribers plus a "work available" signal.

It hears the queue's committed changes (``announce`` is the queue's listener), so whoever waits
on a prediction, a stream or a claim is told by the same path that wrote the change.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass

from mimeo.core.changes import PredictionChange
from mimeo.core.records import Prediction


@dataclass(frozen=True)
class PredictionEvent:
    """The prediction as it stood after the change: a waiter answers from it without reading
    the database again."""

    prediction: Prediction

    @property
    def prediction_id(self) -> str:
        return self.prediction.id

    @property
    def terminal(self) -> bool:
        return self.prediction.terminal


class EventBus:
    def __init__(self) -> None:
        self._subscribers: dict[str, set[asyncio.Queue[PredictionEvent]]] = defaultdict(set)
        self._work = asyncio.Condition()
        self._work_generation = 0
        self._drained_generation = -1

    async def announce(self, change: PredictionChange) -> None:
        """The queue's listener: every committed change reaches its prediction's subscribers,
        and a change that may free work wakes the workers waiting for some."""
        self.publish(PredictionEvent(change.prediction))
        if change.frees_work:
            await self.work_available()

    def publish(self, event: PredictionEvent) -> None:
        for queue in self._subscribers.get(event.prediction_id, ()):
            queue.put_nowait(event)

    def subscribe(self, prediction_id: str) -> asyncio.Queue[PredictionEvent]:
        queue: asyncio.Queue[PredictionEvent] = asyncio.Queue()
        self._subscribers[prediction_id].add(queue)
        return queue

    def unsubscribe(self, prediction_id: str, queue: asyncio.Queue[PredictionEvent]) -> None:
        subscribers = self._subscribers.get(prediction_id)
        if subscribers is not None:
            subscribers.discard(queue)
            if not subscribers:
                del self._subscribers[prediction_id]

    async def wait_terminal(
        self, queue: asyncio.Queue[PredictionEvent], timeout: float
    ) -> PredictionEvent | None:
        """Wait on a subscription for a terminal event; None when time runs out. (A deadline on
        the wait, not ``wait_for``: that runs each wait as a task of its own.)"""
        try:
            async with asyncio.timeout(timeout):
                while not (event := await queue.get()).terminal:
                    pass
        except TimeoutError:
            return None
        return event

    async def work_available(self) -> None:
        """Wake workers waiting in a long-poll claim."""
        async with self._work:
            self._work_generation += 1
            self._work.notify_all()

    @property
    def work_generation(self) -> int:
        """Read before looking for work, then pass to ``wait_for_work``: no wake-up is missed."""
        return self._work_generation

    def queue_drained(self, seen_generation: int) -> None:
        """A claim looked at ``seen_generation`` and left nothing queued behind it."""
        self._drained_generation = seen_generation

    @property
    def nothing_queued(self) -> bool:
        """No work was announced since a claim left the queue empty: a claim can wait for some
        before it looks (a look at least every recheck still catches a notice that was lost)."""
        return self._drained_generation == self._work_generation

    async def wait_for_work(self, seen_generation: int, timeout: float) -> bool:
        async with self._work:
            try:
                async with asyncio.timeout(timeout):
                    await self._work.wait_for(lambda: self._work_generation != seen_generation)
            except TimeoutError:
                return False
            return True
