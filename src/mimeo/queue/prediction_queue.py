"""The queue's verbs, each one transaction on the queue's own clock that announces its changes.

The pieces live by concern: ``claims`` (which prediction a worker gets), ``lifecycle`` (status
writes under a lease), ``sweeps`` (recovery and deadlines), ``announcements`` (who hears).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from mimeo.core.changes import ChangeKind
from mimeo.core.clock import Clock, utc_now
from mimeo.core.leases import LEASE_SECONDS, lease_expiry
from mimeo.core.protocol import Offer
from mimeo.core.records import NewPrediction, Prediction
from mimeo.core.status import PredictionStatus
from mimeo.queue import lifecycle, sweeps
from mimeo.queue.announcements import Announcements, ChangeListener, ChangeRecorder
from mimeo.queue.claims import ANY_QUEUED, Claim, NothingFits, claim_statement
from mimeo.queue.lifecycle import UNCHANGED

CREATION_TIMES_KEPT = 10_000
"""How many of the predictions it created a queue remembers the creation time of, for their
finish (``lifecycle.finish``); the oldest is forgotten first, and a forgotten one is read."""


class PredictionQueue:
    def __init__(
        self,
        engine: AsyncEngine,
        clock: Clock = utc_now,
        lease_seconds: float = LEASE_SECONDS,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self.lease_seconds = lease_seconds
        self._skip_locked = engine.dialect.name == "postgresql"
        self._announcements = Announcements()
        self._created_at: dict[str, datetime] = {}

    def record_with(self, recorder: ChangeRecorder) -> None:
        """``recorder`` writes inside each change's own transaction (the webhook outbox)."""
        self._announcements.record_with(recorder)

    def listen(self, listener: ChangeListener) -> None:
        """``listener`` hears each change once it has committed (the event bus)."""
        self._announcements.listen(listener)

    def _transaction(self) -> Any:
        return self._announcements.transaction(self._engine)

    def _lease(self) -> dict[str, Any]:
        return {"lease_expires_at": lease_expiry(self._clock(), self.lease_seconds)}

    async def enqueue(self, new: NewPrediction) -> Prediction:
        """The row is the queue entry, durable before its id is returned."""
        async with self._transaction() as tx:
            prediction = await lifecycle.enqueue(tx, new, self._clock())
        self._remember_creation(prediction)
        return prediction

    async def enqueue_claimed(self, new: NewPrediction, worker_id: str) -> Claim:
        """Enqueue ``new`` already claimed by ``worker_id``: for a worker waiting for work that
        ``new`` fits, with nothing else it could take queued, this is the claim its next look
        would make, without the look. Durable before its id is returned, as ``enqueue``."""
        now = self._clock()
        expires = lease_expiry(now, self.lease_seconds)
        lease = {"lease_owner": worker_id, "lease_expires_at": expires}
        async with self._transaction() as tx:
            prediction = await lifecycle.enqueue(tx, new, now, lease)
        self._remember_creation(prediction)
        return Claim(prediction, expires, now, sealed_secrets=new.sealed_secrets)

    async def claim(self, worker_id: str, offer: Offer | None = None) -> Claim | None:
        looked = await self.look(worker_id, offer)
        return looked if isinstance(looked, Claim) else None

    async def look(self, worker_id: str, offer: Offer | None = None) -> Claim | NothingFits:
        """Claim the next prediction that fits ``offer``; either way, say whether anything is
        left in the queue (read in the same transaction)."""
        now = self._clock()
        expires = lease_expiry(now, self.lease_seconds)
        statement = claim_statement(offer, skip_locked=self._skip_locked)
        bound = {"worker_id": worker_id, "now": now, "expires": expires}
        async with self._transaction() as tx:
            row = (await tx.conn.execute(statement, bound)).first()
            drained = not (await tx.conn.execute(ANY_QUEUED)).scalar_one()
        if row is None:
            return NothingFits(drained)
        return Claim(Prediction.from_row(row), expires, now, drained, row.sealed_secrets)

    async def heartbeat(self, prediction_id: str, worker_id: str) -> Prediction:
        """Extend the lease; the answer tells the worker whether a cancel was asked for."""
        async with self._transaction() as tx:
            return await lifecycle.leased_update(tx, prediction_id, worker_id, self._lease())

    async def start(
        self, prediction_id: str, worker_id: str, *, logs: str = "", output: Any = UNCHANGED
    ) -> Prediction:
        """The model began running this prediction: ``starting -> processing``, with what it
        logged and output since (as ``progress``), the lease renewed, in one write."""
        values = {
            "started_at": self._clock(),
            **self._lease(),
            **lifecycle.progress_values(logs, output),
        }
        async with self._transaction() as tx:
            return await lifecycle.transition(
                tx,
                prediction_id,
                worker_id,
                PredictionStatus.PROCESSING,
                values,
                ChangeKind.STARTED,
                new_logs=bool(logs),
                new_output=output is not UNCHANGED,
            )

    async def progress(
        self, prediction_id: str, worker_id: str, *, logs: str = "", output: Any = UNCHANGED
    ) -> Prediction:
        """Append log text and replace the output so far, under the lease."""
        values = {**self._lease(), **lifecycle.progress_values(logs, output)}
        async with self._transaction() as tx:
            return await lifecycle.leased_update(
                tx,
                prediction_id,
                worker_id,
                values,
                new_logs=bool(logs),
                new_output=output is not UNCHANGED,
            )

    async def finish(
        self,
        prediction_id: str,
        worker_id: str,
        status: PredictionStatus,
        *,
        output: Any = None,
        error: str | None = None,
        logs: str = "",
        metrics: dict[str, Any] | None = None,
    ) -> Prediction:
        async with self._transaction() as tx:
            return await lifecycle.finish(
                tx,
                prediction_id,
                worker_id,
                status,
                self._clock(),
                output=output,
                error=error,
                logs=logs,
                metrics=metrics or {},
                created_at=self._created_at.pop(prediction_id, None),
            )

    def _remember_creation(self, prediction: Prediction) -> None:
        self._created_at[prediction.id] = prediction.created_at
        if len(self._created_at) > CREATION_TIMES_KEPT:
            del self._created_at[next(iter(self._created_at))]

    async def cancel(self, prediction_id: str) -> Prediction:
        async with self._transaction() as tx:
            return await lifecycle.cancel(tx, prediction_id, self._clock())

    async def hand_back(self, prediction_id: str, worker_id: str) -> Prediction:
        """A worker shutting down returns a prediction it could not finish."""
        async with self._transaction() as tx:
            return await lifecycle.hand_back(tx, prediction_id, worker_id)

    async def requeue_expired(self) -> list[Prediction]:
        """Recover predictions whose worker stopped heartbeating: retry once, then fail."""
        async with self._transaction() as tx:
            return await sweeps.requeue_expired(tx, self._clock())

    async def enforce_deadlines(self) -> list[Prediction]:
        async with self._transaction() as tx:
            return await sweeps.enforce_deadlines(tx, self._clock())
