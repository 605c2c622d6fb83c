"""Per-token rate limits on creating predictions, kept in this API node's memory.

One bucket per token digest (``core.rate_limits`` decides). Each API node counts on its own, so
behind a load balancer over N nodes a token may create up to N times the limit: a guard against
one runaway client, not an exact quota, and it costs no database write on the hot path.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from mimeo.core.errors import TooManyRequests
from mimeo.core.rate_limits import Bucket, RateLimit, Refused, full, refilled, take

MAX_BUCKETS = 10_000
"""Beyond this many tokens seen, the buckets that have refilled are forgotten (a full bucket
is what a forgotten token starts with again)."""


class CreationLimiter:
    def __init__(self, limit: RateLimit, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self._clock = clock
        self._buckets: dict[str, Bucket] = {}

    def admit(self, key: str, max_delay_seconds: float) -> float:
        """The seconds the request must wait before it goes ahead (at most
        ``max_delay_seconds``), or ``TooManyRequests``."""
        if not self.limit.enabled:
            return 0.0
        now = self._clock()
        bucket = self._buckets.get(key) or full(self.limit, now)
        decision = take(self.limit, bucket, now, max_delay_seconds)
        if isinstance(decision, Refused):
            seconds = decision.retry_after_seconds
            raise TooManyRequests(
                f"This token may create {self.limit.per_second:g} predictions per second "
                f"(bursts of {self.limit.burst:g}); retry in {seconds} s",
                seconds,
            )
        if len(self._buckets) >= MAX_BUCKETS:
            self._forget_refilled(now)
        self._buckets[key] = decision.bucket
        return decision.delay_seconds

    def _forget_refilled(self, now: float) -> None:
        for key, bucket in list(self._buckets.items()):
            if refilled(self.limit, bucket, now).tokens >= self.limit.burst:
                del self._buckets[key]
