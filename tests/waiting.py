"""Tests wait on a condition, never for a fixed time: ``eventually`` polls a check until it holds,
and ``LogWatch`` waits for a line a process logs after a given moment."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
DEFAULT_TIMEOUT_SECONDS = 60.0


def eventually(
    check: Callable[[], T | None],
    what: str,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    interval: float = 0.1,
) -> T:
    """The first truthy value ``check`` returns; fails naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f} s: {what}")
        time.sleep(interval)


class LogWatch:
    """A process's log file from now on: what it logged before the watch began does not count."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.start = path.stat().st_size if path.exists() else 0

    def new_text(self) -> str:
        if not self.path.exists():
            return ""
        with self.path.open("rb") as log:
            log.seek(self.start)
            return log.read().decode(errors="replace")

    def wait_for(self, *fragments: str, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> str:
        """The first new line holding every one of ``fragments``."""

        def found() -> str | None:
            lines = self.new_text().splitlines()
            return next((line for line in lines if all(f in line for f in fragments)), None)

        return eventually(found, f"a line with {fragments} in {self.path}", timeout)
