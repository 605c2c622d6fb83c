"""The headers of a prediction's create request, parsed once as dependencies of every route that
creates one: ``Prefer: wait[=N]`` (Replicate's sync mode) and ``Cancel-After``."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Header, Request

from mimeo.core.durations import parse_cancel_after

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


async def prefer_wait(
    request: Request, prefer: Annotated[str | None, Header()] = None
) -> float | None:
    return wait_seconds(prefer, request.app.state.context.settings.max_wait_seconds)


WaitDep = Annotated[float | None, Depends(prefer_wait)]
"""Seconds to hold a create request for its prediction to end, or None: answer at once."""


async def cancel_after_header(
    cancel_after: Annotated[str | None, Header(alias="Cancel-After")] = None,
) -> float | None:
    return None if cancel_after is None else parse_cancel_after(cancel_after)


CancelAfterDep = Annotated[float | None, Depends(cancel_after_header)]
"""Seconds from creation after which the prediction is canceled, from ``Cancel-After``."""
