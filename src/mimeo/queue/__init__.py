"""The prediction row as a job: enqueue, claim with a lease, heartbeat, complete, cancel, requeue.

May import: ``mimeo.core``, ``mimeo.store``. Every status write is a guarded
``UPDATE ... WHERE status IN (allowed sources)``: zero rows means the transition was not allowed
(or the lease is no longer ours), which is how a prediction is never run twice at once and
never written after it ended. The queue is the one place a change is announced: recorders (the
webhook outbox) write in the change's transaction, listeners (the event bus) hear it after commit.
"""

from mimeo.core.errors import LeaseLost
from mimeo.queue.announcements import ChangeListener, ChangeRecorder
from mimeo.queue.claims import Claim
from mimeo.queue.lifecycle import UNCHANGED
from mimeo.queue.prediction_queue import PredictionQueue

__all__ = [
    "UNCHANGED",
    "ChangeListener",
    "ChangeRecorder",
    "Claim",
    "LeaseLost",
    "PredictionQueue",
]
