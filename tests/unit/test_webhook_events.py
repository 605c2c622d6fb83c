"""Which webhook event, if any, each prediction change causes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mimeo.core.changes import ChangeKind, PredictionChange
from mimeo.core.records import Prediction
from mimeo.core.status import PredictionStatus
from mimeo.core.webhook_policy import WebhookEvent, subscribed
from mimeo.webhooks.outbox import event_for

EVERYTHING = subscribed(None)
PREDICTION = Prediction(
    id="p",
    account_id=1,
    model="o/m",
    version="v",
    input={},
    output=None,
    logs="",
    error=None,
    status=PredictionStatus.STARTING,
    source="api",
    data_removed=False,
    metrics={},
    created_at=datetime(2030, 1, 1, tzinfo=UTC),
    started_at=None,
    completed_at=None,
    webhook="https://example.com/hook",
)


def change(kind: ChangeKind, *, logs: bool = False, output: bool = False) -> PredictionChange:
    return PredictionChange(kind, PREDICTION, new_logs=logs, new_output=output)


@pytest.mark.parametrize(
    ("the_change", "event"),
    [
        (change(ChangeKind.CREATED), WebhookEvent.START),
        (change(ChangeKind.STARTED), None),
        (change(ChangeKind.STARTED, logs=True), WebhookEvent.LOGS),
        (change(ChangeKind.PROGRESSED, logs=True), WebhookEvent.LOGS),
        (change(ChangeKind.PROGRESSED, output=True), WebhookEvent.OUTPUT),
        (change(ChangeKind.PROGRESSED, logs=True, output=True), WebhookEvent.OUTPUT),
        (change(ChangeKind.COMPLETED, logs=True, output=True), WebhookEvent.COMPLETED),
    ],
)
def test_with_no_filter(the_change: PredictionChange, event: WebhookEvent | None) -> None:
    assert event_for(the_change, EVERYTHING) == event


def test_only_completed_hears_nothing_before_the_end() -> None:
    wanted = subscribed(["completed"])

    assert event_for(change(ChangeKind.CREATED), wanted) is None
    assert event_for(change(ChangeKind.PROGRESSED, logs=True, output=True), wanted) is None
    assert event_for(change(ChangeKind.COMPLETED), wanted) == WebhookEvent.COMPLETED


def test_logs_only_is_told_of_logs_even_when_output_came_with_them() -> None:
    wanted = subscribed(["logs"])

    assert event_for(change(ChangeKind.PROGRESSED, logs=True, output=True), wanted) == (
        WebhookEvent.LOGS
    )
    assert event_for(change(ChangeKind.PROGRESSED, output=True), wanted) is None


def test_output_without_completed_still_hears_of_output_that_came_at_the_end() -> None:
    wanted = subscribed(["output"])

    assert event_for(change(ChangeKind.COMPLETED, output=True), wanted) == WebhookEvent.OUTPUT
    assert event_for(change(ChangeKind.COMPLETED), wanted) is None
