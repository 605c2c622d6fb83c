"""What changed about a prediction, as the queue announces it after each write.

The queue is the one place a change is announced: the webhook outbox records it inside the
write's own transaction, and the event bus hears it once the transaction has committed. A status
write that forgets to announce cannot exist outside the queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mimeo.core.records import Prediction
from mimeo.core.status import PredictionStatus


class ChangeKind(StrEnum):
    CREATED = "created"
    STARTED = "started"
    PROGRESSED = "progressed"
    COMPLETED = "completed"
    REQUEUED = "requeued"
    """Back in the queue: its worker vanished (a retry) or handed it back while draining."""
    CANCEL_REQUESTED = "cancel_requested"
    """Flagged for its worker to cancel (by the user or a passed ``Cancel-After``)."""


@dataclass(frozen=True)
class PredictionChange:
    kind: ChangeKind
    prediction: Prediction
    new_logs: bool = False
    new_output: bool = False
    model_visibility: str | None = None
    """Of a completion that counted its model's run: the model's visibility, read by that same
    write, so the charge needs no read of its own. ``None`` where it was not read."""

    @property
    def frees_work(self) -> bool:
        """Whether a worker waiting for work may now find some: a prediction entered the queue,
        or one of a deployment ended, which may lift the deployment's cap. A prediction created
        already leased (handed to a waiting worker) is nobody else's work."""
        if self.kind in (ChangeKind.CREATED, ChangeKind.REQUEUED):
            queued = self.prediction.status is PredictionStatus.STARTING
            return queued and self.prediction.lease_owner is None
        return self.kind is ChangeKind.COMPLETED and self.prediction.deployment is not None


CHANNEL = "mimeo_predictions"
"""The PostgreSQL ``NOTIFY`` channel on which API nodes tell each other of changes."""


@dataclass(frozen=True)
class ChangeNotice:
    prediction_id: str
    node: str
    """The API node whose queue made the change: it has told its own listeners already."""
    frees_work: bool

    def payload(self) -> str:
        return f"{self.prediction_id} {self.node} {int(self.frees_work)}"

    @classmethod
    def parse(cls, payload: str) -> ChangeNotice | None:
        parts = payload.split(" ")
        if len(parts) != 3 or parts[2] not in ("0", "1"):
            return None
        return cls(parts[0], parts[1], parts[2] == "1")
