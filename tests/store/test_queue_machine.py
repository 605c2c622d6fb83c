"""A Hypothesis state machine over the queue on a real SQLite file: random interleavings of
enqueue (with and without a ``Cancel-After`` deadline; queued, or created leased to a waiting
worker), claim, start, heartbeat, finish, cancel, hand-back, clock advances, lease expiry and
deadline sweeps keep the queue's promises, and every change the queue makes is announced.
(PostgreSQL runs the example tests; one database per example is too slow.)"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

from mimeo.core.changes import PredictionChange
from mimeo.core.errors import InvalidTransition
from mimeo.core.hardware import CPU
from mimeo.core.ids import new_prediction_id
from mimeo.core.leases import MAX_ATTEMPTS
from mimeo.core.records import NewPrediction, Prediction
from mimeo.core.status import TERMINAL, PredictionStatus
from mimeo.queue import LeaseLost, PredictionQueue
from mimeo.store.store import Store
from tests.store.conftest import LEASE_SECONDS, VERSION_ID, FakeClock

T = TypeVar("T")
workers = st.sampled_from(["wkr_a", "wkr_b", "wkr_c"])


class QueueMachine(RuleBasedStateMachine):
    predictions = Bundle("predictions")

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.directory = tempfile.TemporaryDirectory()
        self.clock = FakeClock(datetime(2030, 1, 1, tzinfo=UTC))
        self.store = self.run(Store.open(f"sqlite:///{Path(self.directory.name) / 'q.db'}"))
        self.queue = PredictionQueue(self.store.engine, self.clock, lease_seconds=LEASE_SECONDS)
        self.account = self.run(self.store.accounts.ensure("alice", "r8_alice-token"))
        self.ended: dict[str, PredictionStatus] = {}
        self.attempts: dict[str, int] = {}
        self.heard: dict[str, Prediction] = {}
        self.queue.listen(self.hear)

    async def hear(self, change: PredictionChange) -> None:
        self.heard[change.prediction.id] = change.prediction

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coroutine)

    def teardown(self) -> None:
        self.run(self.store.close())
        self.loop.close()
        self.directory.cleanup()

    def row(self, prediction_id: str) -> Prediction:
        return self.run(self.store.predictions.get(prediction_id))

    def new(self, cancel_after: float | None) -> NewPrediction:
        return NewPrediction(
            id=new_prediction_id(),
            account_id=self.account.id,
            model="alice/echo",
            version=VERSION_ID,
            input={},
            hardware=CPU,
            cancel_after_seconds=cancel_after,
        )

    @rule(target=predictions, cancel_after=st.none() | st.floats(min_value=5, max_value=90))
    def enqueue(self, cancel_after: float | None) -> str:
        prediction = self.run(self.queue.enqueue(self.new(cancel_after)))
        self.clock.advance(0.001)
        return prediction.id

    @rule(
        target=predictions,
        worker=workers,
        cancel_after=st.none() | st.floats(min_value=5, max_value=90),
    )
    def enqueue_claimed(self, worker: str, cancel_after: float | None) -> str:
        """Created already leased: a new prediction handed to a worker's waiting claim."""
        claim = self.run(self.queue.enqueue_claimed(self.new(cancel_after), worker))
        assert claim.prediction.lease_owner == worker
        assert claim.prediction.attempts == 1
        assert claim.prediction.status is PredictionStatus.STARTING
        self.clock.advance(0.001)
        return claim.prediction.id

    @rule(worker=workers)
    def claim(self, worker: str) -> None:
        claim = self.run(self.queue.claim(worker))
        if claim is not None:
            assert claim.prediction.lease_owner == worker
            assert claim.prediction.status is PredictionStatus.STARTING
            deadline = claim.prediction.deadline_at
            assert deadline is None or deadline > self.clock()

    @rule(prediction_id=predictions, worker=workers)
    def start(self, prediction_id: str, worker: str) -> None:
        before = self.row(prediction_id)
        try:
            self.run(self.queue.start(prediction_id, worker))
        except LeaseLost:
            assert before.lease_owner != worker
        except InvalidTransition:
            assert before.status is not PredictionStatus.STARTING
        else:
            assert before.lease_owner == worker

    @rule(prediction_id=predictions, worker=workers)
    def heartbeat(self, prediction_id: str, worker: str) -> None:
        before = self.row(prediction_id)
        try:
            self.run(self.queue.heartbeat(prediction_id, worker))
        except LeaseLost:
            assert before.lease_owner != worker
        else:
            assert before.lease_owner == worker

    @rule(
        prediction_id=predictions,
        worker=workers,
        status=st.sampled_from(sorted(TERMINAL)),
    )
    def finish(self, prediction_id: str, worker: str, status: PredictionStatus) -> None:
        before = self.row(prediction_id)
        try:
            self.run(self.queue.finish(prediction_id, worker, status))
        except LeaseLost:
            assert before.lease_owner != worker
        else:
            assert before.lease_owner == worker
            self.ended[prediction_id] = status

    @rule(prediction_id=predictions)
    def cancel(self, prediction_id: str) -> None:
        after = self.run(self.queue.cancel(prediction_id))
        if after.status is PredictionStatus.CANCELED and prediction_id not in self.ended:
            self.ended[prediction_id] = after.status

    @rule(prediction_id=predictions, worker=workers)
    def hand_back(self, prediction_id: str, worker: str) -> None:
        before = self.row(prediction_id)
        try:
            after = self.run(self.queue.hand_back(prediction_id, worker))
        except LeaseLost:
            assert before.lease_owner != worker or before.status in TERMINAL
        else:
            assert before.lease_owner == worker
            assert after.status is PredictionStatus.STARTING
            assert after.lease_owner is None
            assert after.attempts == before.attempts - 1
            self.attempts[prediction_id] = after.attempts

    @rule()
    def enforce_deadlines(self) -> None:
        now = self.clock()
        for prediction in self.run(self.queue.enforce_deadlines()):
            assert prediction.deadline_at is not None
            assert prediction.deadline_at < now
            if prediction.status in TERMINAL:
                self.ended[prediction.id] = prediction.status
            else:
                assert prediction.cancel_requested
        for row in self.rows():
            overdue = row.deadline_at is not None and row.deadline_at < now
            assert not (overdue and row.status is PredictionStatus.STARTING and not row.lease_owner)

    @rule(seconds=st.floats(min_value=0.5, max_value=2 * LEASE_SECONDS))
    def advance_clock(self, seconds: float) -> None:
        self.clock.advance(seconds)

    @rule()
    def requeue_expired(self) -> None:
        for prediction in self.run(self.queue.requeue_expired()):
            if prediction.status in TERMINAL:
                self.ended[prediction.id] = prediction.status

    def rows(self) -> list[Prediction]:
        page = self.run(self.store.predictions.list_for_account(self.account.id, None))
        return page.results

    @invariant()
    def terminal_absorbs(self) -> None:
        for row in self.rows():
            if row.id in self.ended:
                assert row.status is self.ended[row.id]

    @invariant()
    def only_live_predictions_hold_a_lease(self) -> None:
        for row in self.rows():
            if row.status in TERMINAL:
                assert (row.lease_owner, row.lease_expires_at) == (None, None)
                assert row.completed_at is not None
            else:
                assert (row.lease_owner is None) == (row.lease_expires_at is None)

    @invariant()
    def every_change_is_announced(self) -> None:
        """Listeners hear every write that changes what a client sees (a claim or a heartbeat
        changes only the lease, which no client sees)."""
        for row in self.rows():
            heard = self.heard[row.id]
            assert (heard.status, heard.cancel_requested, heard.logs) == (
                row.status,
                row.cancel_requested,
                row.logs,
            )

    @invariant()
    def attempts_never_decrease_nor_exceed_the_limit(self) -> None:
        for row in self.rows():
            assert self.attempts.get(row.id, 0) <= row.attempts <= MAX_ATTEMPTS
            self.attempts[row.id] = row.attempts


QueueMachine.TestCase.settings = settings(max_examples=20, stateful_step_count=25, deadline=None)
TestQueueMachine = QueueMachine.TestCase
