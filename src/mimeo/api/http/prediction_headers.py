"""``Prefer: wait[=N]``, Replicate's sync mode, read from a prediction's create request."""

from __future__ import annotations

import re

_WAIT = re.compile(r"(?:^|[,;\s])wait(?:\s*=\s*(\d+))?(?=$|[,;\s])")


def wait_seconds(header: str | None, maximum: float) -> float | None:
    """Seconds to hold the request, or None when the client did not ask to wait."""
    if not header:
        return None
    match = _WAIT.search(header.lower())
    if match is None:
        return None
    asked = float(match.group(1)) if match.group(1) else maximum
    return max(1.0, min(asked, maximum))
