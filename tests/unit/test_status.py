"""The prediction state machine as data (``mimeo.core.status``)."""

from __future__ import annotations

import pytest

from mimeo.core.status import (
    ALLOWED_TRANSITIONS,
    TERMINAL,
    PredictionStatus,
    is_terminal,
    sources_of,
)

STARTING = PredictionStatus.STARTING
PROCESSING = PredictionStatus.PROCESSING
SUCCEEDED = PredictionStatus.SUCCEEDED
FAILED = PredictionStatus.FAILED
CANCELED = PredictionStatus.CANCELED


def test_wire_values_are_replicates() -> None:
    assert [s.value for s in PredictionStatus] == [
        "starting",
        "processing",
        "succeeded",
        "failed",
        "canceled",
    ]


def test_aborted_is_not_a_status_the_official_clients_would_choke_on() -> None:
    with pytest.raises(ValueError, match="aborted"):
        PredictionStatus("aborted")


def test_terminal_statuses_are_succeeded_failed_and_canceled() -> None:
    assert frozenset({SUCCEEDED, FAILED, CANCELED}) == TERMINAL


def test_every_status_has_a_row_in_the_transition_table() -> None:
    assert set(ALLOWED_TRANSITIONS) == set(PredictionStatus)


@pytest.mark.parametrize("status", sorted(TERMINAL))
def test_a_terminal_status_absorbs(status: PredictionStatus) -> None:
    assert ALLOWED_TRANSITIONS[status] == frozenset()


@pytest.mark.parametrize("status", [STARTING, PROCESSING])
def test_a_live_prediction_can_end_in_any_terminal_status(status: PredictionStatus) -> None:
    assert ALLOWED_TRANSITIONS[status] >= TERMINAL


def test_a_prediction_starts_processing_only_from_starting() -> None:
    assert sources_of(PROCESSING) == {STARTING}


def test_processing_may_go_back_to_starting_when_its_worker_lost_the_lease() -> None:
    assert PROCESSING in sources_of(STARTING)


@pytest.mark.parametrize("target", sorted(TERMINAL))
def test_a_terminal_status_is_written_only_over_a_live_one(target: PredictionStatus) -> None:
    assert sources_of(target) == {STARTING, PROCESSING}


@pytest.mark.parametrize(
    ("status", "terminal"),
    [("starting", False), ("processing", False), ("succeeded", True), (CANCELED, True)],
)
def test_is_terminal_accepts_wire_strings_and_members(
    status: PredictionStatus | str, terminal: bool
) -> None:
    assert is_terminal(status) is terminal


def test_is_terminal_rejects_an_unknown_status() -> None:
    with pytest.raises(ValueError, match="queued"):
        is_terminal("queued")
