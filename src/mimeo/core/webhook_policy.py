"""When webhook events are sent: which ones a prediction asked for, how often, how long retried.

Pure decisions that take ``now`` as an argument; the outbox and the dispatcher act on them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class WebhookEvent(StrEnum):
    """Replicate's ``webhook_events_filter`` values."""

    START = "start"
    OUTPUT = "output"
    LOGS = "logs"
    COMPLETED = "completed"


PROGRESS_EVENTS = frozenset({WebhookEvent.OUTPUT, WebhookEvent.LOGS})
"""The events Replicate throttles; ``start`` and ``completed`` are always sent when asked for."""

THROTTLE_SECONDS = 0.5
INITIAL_BACKOFF_SECONDS = 5.0
MAX_BACKOFF_SECONDS = 600.0
RETRY_WINDOW_SECONDS = 3600.0


def subscribed(events_filter: Iterable[str] | None) -> frozenset[WebhookEvent]:
    """No filter means every event. An empty list counts as no filter: a webhook that asked for
    nothing at all would be pointless, and Replicate's examples only ever narrow the set."""
    chosen = frozenset(WebhookEvent(event) for event in events_filter or ())
    return chosen or frozenset(WebhookEvent)


def throttled_due(previous_progress_due: datetime | None, now: datetime) -> datetime:
    """When a new ``output``/``logs`` event may go: at least ``THROTTLE_SECONDS`` after the
    previous one of the same prediction was due, so a chatty model cannot flood the receiver."""
    if previous_progress_due is None:
        return now
    return max(now, previous_progress_due + timedelta(seconds=THROTTLE_SECONDS))


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff, without jitter: events of one prediction go strictly one after the
    other, so there is no herd of retries of the same event to spread out.

    An event is retried for at least ``window_seconds`` after it first became due: a failed
    attempt made before the window closes always earns another one.
    """

    initial_seconds: float = INITIAL_BACKOFF_SECONDS
    window_seconds: float = RETRY_WINDOW_SECONDS
    max_seconds: float = MAX_BACKOFF_SECONDS

    def delay(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failed attempt (1 for the first)."""
        exponent = min(max(attempts - 1, 0), 64)
        return timedelta(seconds=min(self.initial_seconds * 2.0**exponent, self.max_seconds))

    def next_attempt(self, *, attempts: int, due_at: datetime, now: datetime) -> datetime | None:
        """When to try again after a failed attempt at ``now``, or None to give up."""
        if now >= due_at + timedelta(seconds=self.window_seconds):
            return None
        return now + self.delay(attempts)
