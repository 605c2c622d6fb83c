"""The prediction state machine, as data.

Wire values are Replicate's. ``aborted`` is deliberately absent: the 1.0.7 Python client and the
JS client cannot parse it (see COMPAT-NOTES), so a deadline that passes before start is a
``canceled`` prediction with an explaining error.
"""

from __future__ import annotations

from enum import StrEnum


class PredictionStatus(StrEnum):
    STARTING = "starting"
    PROCESSING = "processing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"


TERMINAL: frozenset[PredictionStatus] = frozenset(
    {PredictionStatus.SUCCEEDED, PredictionStatus.FAILED, PredictionStatus.CANCELED}
)

ALLOWED_TRANSITIONS: dict[PredictionStatus, frozenset[PredictionStatus]] = {
    PredictionStatus.STARTING: frozenset(
        {PredictionStatus.PROCESSING, PredictionStatus.STARTING} | TERMINAL
    ),
    PredictionStatus.PROCESSING: frozenset({PredictionStatus.STARTING} | TERMINAL),
    PredictionStatus.SUCCEEDED: frozenset(),
    PredictionStatus.FAILED: frozenset(),
    PredictionStatus.CANCELED: frozenset(),
}
"""``processing -> starting`` is the requeue of a prediction whose worker lost its lease."""


def sources_of(target: PredictionStatus) -> frozenset[PredictionStatus]:
    """The statuses from which ``target`` may be written: the ``IN (...)`` of a guarded UPDATE."""
    return frozenset(s for s, targets in ALLOWED_TRANSITIONS.items() if target in targets)


def is_terminal(status: PredictionStatus | str) -> bool:
    return PredictionStatus(status) in TERMINAL
