"""The prediction row as a job: enqueue, claim with a lease, heartbeat, complete, cancel, requeue.

May import: ``mimeo.core``, ``mimeo.store``. Every status write is a guarded
``UPDATE ... WHERE status IN (allowed sources)``: zero rows means the transition was not allowed
(or the lease is no longer ours), which is how a prediction is never run twice at once and
never written after it ended.
"""

from mimeo.queue.jobs import Claim, LeaseLost, PredictionQueue
from mimeo.store.changes import ChangeHook, ChangeKind, PredictionChange

__all__ = [
    "ChangeHook",
    "ChangeKind",
    "Claim",
    "LeaseLost",
    "PredictionChange",
    "PredictionQueue",
]
