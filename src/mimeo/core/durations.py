"""Durations as Replicate's ``Cancel-After`` header writes them: ``30``, ``90s``, ``5m``,
``1h30m45s`` (units in descending order; a bare number is seconds)."""

from __future__ import annotations

import re

from mimeo.core.errors import FieldError, InvalidInput

MIN_CANCEL_AFTER_SECONDS = 5.0
MAX_CANCEL_AFTER_SECONDS = 7 * 24 * 3600.0
"""A week: far beyond any prediction's run, and a date that any clock can hold."""
_DURATION = re.compile(r"(?:(\d{1,9})h)?(?:(\d{1,9})m)?(?:(\d{1,9}(?:\.\d{1,9})?)s?)?")


def parse_cancel_after(text: str) -> float:
    """Seconds; a malformed or too short duration is a 422 naming the header."""
    match = _DURATION.fullmatch(text.strip().lower())
    if not text.strip() or match is None or not any(match.groups()):
        raise _invalid(f"'{text}' is not a duration like 30s, 5m or 1h30m")
    hours, minutes, seconds = match.groups()
    total = int(hours or 0) * 3600 + int(minutes or 0) * 60 + float(seconds or 0)
    if total < MIN_CANCEL_AFTER_SECONDS:
        raise _invalid(f"the minimum is {MIN_CANCEL_AFTER_SECONDS:.0f}s, got '{text}'")
    if total > MAX_CANCEL_AFTER_SECONDS:
        raise _invalid(f"the maximum is {MAX_CANCEL_AFTER_SECONDS / 3600:.0f}h, got '{text}'")
    return total


def _invalid(message: str) -> InvalidInput:
    return InvalidInput([FieldError("Cancel-After", message)])
