"""The one clock: every moment mimeo stores is UTC, and the parts that decide by time take a
``Clock`` so tests can move it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)
