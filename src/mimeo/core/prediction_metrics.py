"""A finished prediction's timing metrics, decided from its timestamps and what the model
reported."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class FinalTiming:
    metrics: dict[str, Any]
    started_at: datetime


def final_timing(
    stored: dict[str, Any],
    reported: dict[str, Any],
    created_at: datetime | None,
    started_at: datetime | None,
    now: datetime,
) -> FinalTiming:
    """``predict_time`` is the model server's own when it reports one (and then dates a start
    that arrived in the same report); otherwise it runs from the start mimeo saw. ``total_time``
    runs from creation."""
    metrics = {**stored, **reported}
    predict_time = float(metrics.get("predict_time", 0.0))
    started = started_at or now - timedelta(seconds=predict_time)
    metrics.setdefault("predict_time", (now - started).total_seconds())
    metrics["total_time"] = (now - (created_at or now)).total_seconds()
    return FinalTiming(metrics, started)
