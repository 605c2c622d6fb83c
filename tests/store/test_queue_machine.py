"""A Hypothesis state machine over the queue on a real SQLite file: random interleavings of
enqueue, claim, start, heartbeat, finish, cancel, clock advances and lease expiry keep the
queue's promises. (PostgreSQL runs the example tests; one database per example is too slow.)"""

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

from mimeo.core.errors import InvalidTransition
from mimeo.core.ids import new_prediction_id
from mimeo.core.leases import MAX_ATTEMPTS
from mimeo.core.status import TERMINAL, PredictionStatus
from mimeo.queue import LeaseLost, PredictionQueue
from mimeo.store.records import Prediction
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

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coroutine)

    def teardown(self) -> None:
        self.run(self.store.close())
        self.loop.close()
        self.directory.cleanup()

    def row(self, prediction_id: str) -> Prediction:
        return self.run(self.store.predictions.get(prediction_id))

    @rule(target=predictions)
    def enqueue(self) -> str:
        prediction = self.run(
            self.queue.enqueue(
                id=new_prediction_id(),
                account_id=self.account.id,
                model="alice/echo",
                version=VERSION_ID,
                input={},
                status=PredictionStatus.STARTING,
                created_at=self.clock(),
            )
        )
        self.clock.advance(0.001)
        return prediction.id

    @rule(worker=workers)
    def claim(self, worker: str) -> None:
        claim = self.run(self.queue.claim(worker))
        if claim is not None:
            assert claim.prediction.lease_owner == worker
            assert claim.prediction.status is PredictionStatus.STARTING

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
    def attempts_never_decrease_nor_exceed_the_limit(self) -> None:
        for row in self.rows():
            assert self.attempts.get(row.id, 0) <= row.attempts <= MAX_ATTEMPTS
            self.attempts[row.id] = row.attempts


QueueMachine.TestCase.settings = settings(max_examples=20, stateful_step_count=25, deadline=None)
TestQueueMachine = QueueMachine.TestCase
