"""Which events a webhook gets, how often progress is sent, and how long a failure is retried."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mimeo.core.webhook_policy import (
    MAX_BACKOFF_SECONDS,
    RetryPolicy,
    WebhookEvent,
    subscribed,
    throttled_due,
)

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("events_filter", [None, []])
def test_no_filter_means_every_event(events_filter: list[str] | None) -> None:
    assert subscribed(events_filter) == set(WebhookEvent)


def test_a_filter_narrows_the_events() -> None:
    assert subscribed(["start", "completed"]) == {WebhookEvent.START, WebhookEvent.COMPLETED}


def test_the_first_progress_event_is_due_at_once() -> None:
    assert throttled_due(None, NOW) == NOW


def test_progress_soon_after_the_previous_waits_out_half_a_second() -> None:
    previous = NOW - timedelta(seconds=0.2)

    assert throttled_due(previous, NOW) == previous + timedelta(seconds=0.5)


def test_progress_long_after_the_previous_is_due_at_once() -> None:
    assert throttled_due(NOW - timedelta(seconds=3), NOW) == NOW


def test_backoff_doubles_from_the_initial_delay_up_to_the_cap() -> None:
    policy = RetryPolicy(initial_seconds=5.0)

    delays = [policy.delay(attempt).total_seconds() for attempt in range(1, 11)]

    assert delays == [5, 10, 20, 40, 80, 160, 320, 600, 600, 600]


def test_a_huge_attempt_count_still_gives_the_cap() -> None:
    assert RetryPolicy().delay(10_000) == timedelta(seconds=MAX_BACKOFF_SECONDS)


def test_the_next_attempt_follows_the_backoff_inside_the_window() -> None:
    policy = RetryPolicy(initial_seconds=5.0, window_seconds=3600.0)

    assert policy.next_attempt(attempts=3, due_at=NOW, now=NOW + timedelta(seconds=40)) == (
        NOW + timedelta(seconds=60)
    )


def test_a_failure_after_the_window_gives_up() -> None:
    policy = RetryPolicy(window_seconds=3600.0)

    assert policy.next_attempt(attempts=12, due_at=NOW, now=NOW + timedelta(hours=1)) is None


def attempt_times(policy: RetryPolicy) -> list[datetime]:
    """Every attempt of an event whose receiver never answers well, each failing at once."""
    times = [NOW]
    while (
        later := policy.next_attempt(attempts=len(times), due_at=NOW, now=times[-1])
    ) is not None:
        times.append(later)
    return times


def test_the_default_policy_retries_for_an_hour_with_a_dozen_attempts() -> None:
    times = attempt_times(RetryPolicy())

    assert times[-1] - times[0] >= timedelta(hours=1)
    assert times[-1] - times[0] < timedelta(hours=1, minutes=11)
    assert 10 <= len(times) <= 20


@given(
    initial=st.floats(min_value=0.01, max_value=600),
    window=st.floats(min_value=0.01, max_value=48 * 3600),
)
def test_a_failing_event_is_retried_for_at_least_the_window(initial: float, window: float) -> None:
    policy = RetryPolicy(initial_seconds=initial, window_seconds=window)

    times = attempt_times(policy)

    assert times[-1] - times[0] >= timedelta(seconds=window)
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert all(gap <= timedelta(seconds=MAX_BACKOFF_SECONDS) for gap in gaps)
    assert gaps == sorted(gaps)
