"""The token bucket that paces how fast one API token creates predictions
(``mimeo.core.rate_limits``, kept per node by ``api.http.rate_limit``)."""

from __future__ import annotations

import pytest

from mimeo.api.http.rate_limit import CreationLimiter
from mimeo.core.errors import TooManyRequests
from mimeo.core.rate_limits import Admitted, Bucket, RateLimit, Refused, full, take

LIMIT = RateLimit(per_second=2.0, burst=3)


def test_a_quiet_token_gets_its_burst_at_once() -> None:
    bucket = full(LIMIT, 0.0)
    delays = []
    for _ in range(3):
        decision = take(LIMIT, bucket, 0.0, max_delay_seconds=0.0)
        assert isinstance(decision, Admitted)
        bucket = decision.bucket
        delays.append(decision.delay_seconds)

    assert delays == [0.0, 0.0, 0.0]


def test_past_the_burst_each_request_waits_its_turn_within_the_delay() -> None:
    bucket = Bucket(tokens=0.0, at=0.0)
    first = take(LIMIT, bucket, 0.0, max_delay_seconds=5.0)
    assert isinstance(first, Admitted)
    second = take(LIMIT, first.bucket, 0.0, max_delay_seconds=5.0)

    assert isinstance(second, Admitted)
    assert (first.delay_seconds, second.delay_seconds) == (0.5, 1.0)


def test_beyond_the_delay_it_is_refused_with_whole_seconds_to_wait() -> None:
    bucket = Bucket(tokens=-4.0, at=0.0)  # four requests already wait: the next turn is in 2.5 s

    decision = take(LIMIT, bucket, 0.0, max_delay_seconds=1.0)

    assert decision == Refused(retry_after_seconds=2)


def test_the_wait_is_never_said_to_be_less_than_a_second() -> None:
    decision = take(LIMIT, Bucket(tokens=0.5, at=0.0), 0.0, max_delay_seconds=0.0)

    assert decision == Refused(retry_after_seconds=1)


def test_the_bucket_refills_with_time_up_to_the_burst() -> None:
    decision = take(LIMIT, Bucket(tokens=0.0, at=0.0), 100.0, max_delay_seconds=0.0)

    assert isinstance(decision, Admitted)
    assert decision.bucket.tokens == LIMIT.burst - 1


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def test_tokens_are_counted_apart_and_a_refusal_costs_nothing() -> None:
    clock = Clock()
    limiter = CreationLimiter(RateLimit(per_second=1.0, burst=1), clock)
    assert limiter.admit("alice", 0.0) == 0.0
    for _ in range(3):
        with pytest.raises(TooManyRequests) as refused:
            limiter.admit("alice", 0.0)
        assert refused.value.retry_after_seconds == 1
    assert limiter.admit("bob", 0.0) == 0.0

    clock.now = 1.0

    assert limiter.admit("alice", 0.0) == 0.0


def test_a_rate_of_zero_turns_the_limit_off() -> None:
    limiter = CreationLimiter(RateLimit(per_second=0.0, burst=1))

    assert [limiter.admit("alice", 0.0) for _ in range(1000)] == [0.0] * 1000
