"""Balances as the hot path sees them: read once per account per ``BALANCE_CACHE_SECONDS``.

Creating a prediction must not cost a query of its own. A spent account may so start
predictions for up to that long after its balance reaches zero, which is no worse than the
predictions already running when it did: those finish and are charged too.
"""

from __future__ import annotations

import time

BALANCE_CACHE_SECONDS = 1.0


class BalanceCache:
    def __init__(self, seconds: float = BALANCE_CACHE_SECONDS) -> None:
        self.seconds = seconds
        self._entries: dict[int, tuple[int, float]] = {}

    def get(self, account_id: int) -> int | None:
        entry = self._entries.get(account_id)
        if entry is None or entry[1] < time.monotonic():
            return None
        return entry[0]

    def put(self, account_id: int, balance_micros: int) -> None:
        if len(self._entries) > 10_000:
            self._entries.clear()
        self._entries[account_id] = (balance_micros, time.monotonic() + self.seconds)

    def forget(self, account_id: int) -> None:
        """Credit was added here: the next prediction reads the new balance."""
        self._entries.pop(account_id, None)
