"""What happens to a prediction whose worker stopped heartbeating (``mimeo.core.leases``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mimeo.core.leases import LEASE_SECONDS, MAX_ATTEMPTS, Fail, Retry, lease_expiry, on_lost_lease

NOW = datetime(2030, 1, 1, tzinfo=UTC)


def test_a_lease_expires_lease_seconds_from_now() -> None:
    assert lease_expiry(NOW) == NOW + timedelta(seconds=LEASE_SECONDS)


def test_the_lease_length_can_be_chosen() -> None:
    assert lease_expiry(NOW, 2.5) == NOW + timedelta(seconds=2.5)


def test_a_first_lost_lease_is_retried() -> None:
    assert on_lost_lease(1) == Retry()


@pytest.mark.parametrize("attempts", [MAX_ATTEMPTS, MAX_ATTEMPTS + 1])
def test_a_lease_lost_on_the_last_attempt_fails_the_prediction(attempts: int) -> None:
    decision = on_lost_lease(attempts)

    assert isinstance(decision, Fail)
    assert f"stopped responding {attempts} times" in decision.error


def test_the_attempt_limit_can_be_chosen() -> None:
    assert isinstance(on_lost_lease(2, max_attempts=3), Retry)
