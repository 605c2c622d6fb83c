"""What happens to a prediction whose worker stopped heartbeating: decided here, done in queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

LEASE_SECONDS = 30.0
MAX_ATTEMPTS = 2
"""A prediction whose worker died is retried once on another instance, then failed."""


@dataclass(frozen=True)
class Retry:
    pass


@dataclass(frozen=True)
class Fail:
    error: str


def lease_expiry(now: datetime, lease_seconds: float = LEASE_SECONDS) -> datetime:
    return now + timedelta(seconds=lease_seconds)


def on_lost_lease(attempts: int, max_attempts: int = MAX_ATTEMPTS) -> Retry | Fail:
    if attempts < max_attempts:
        return Retry()
    return Fail(
        f"The worker running this prediction stopped responding {attempts} times "
        "(it crashed or lost its connection); the prediction was not retried again."
    )
