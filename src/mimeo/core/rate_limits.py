"""A token bucket for how fast one API token may create predictions, decided as pure data.

The bucket holds up to ``burst`` tokens and refills at ``per_second``. A request that finds it
empty is not refused at once: when its token will be there within the delay the caller can bear
(``max_delay_seconds``) it is admitted after that delay. Its token is taken now, so the bucket
goes below zero and later requests queue behind it. The official Python client never retries a
POST, so pacing is what lets a client over its limit still succeed; only beyond the delay is the
answer a 429, with the whole seconds until a retry would be admitted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class RateLimit:
    per_second: float
    burst: float

    @property
    def enabled(self) -> bool:
        return self.per_second > 0


@dataclass(frozen=True)
class Bucket:
    tokens: float
    at: float
    """When ``tokens`` was counted, on the caller's monotonic clock."""


@dataclass(frozen=True)
class Admitted:
    bucket: Bucket
    delay_seconds: float


@dataclass(frozen=True)
class Refused:
    retry_after_seconds: int


def full(limit: RateLimit, now: float) -> Bucket:
    return Bucket(limit.burst, now)


def refilled(limit: RateLimit, bucket: Bucket, now: float) -> Bucket:
    elapsed = max(0.0, now - bucket.at)
    return Bucket(min(limit.burst, bucket.tokens + elapsed * limit.per_second), now)


def take(
    limit: RateLimit, bucket: Bucket, now: float, max_delay_seconds: float
) -> Admitted | Refused:
    """Admit one request (perhaps after a delay) or refuse it; the bucket is not changed by a
    refusal, so a flood of refused requests does not push back the ones that wait politely."""
    current = refilled(limit, bucket, now)
    wait = max(0.0, (1.0 - current.tokens) / limit.per_second)
    if wait <= max_delay_seconds:
        return Admitted(Bucket(current.tokens - 1.0, now), wait)
    return Refused(max(1, math.ceil(wait - max_delay_seconds)))
