"""The last line of defence: an error no handler expected becomes one log line and a 500 problem.

A traceback is the wrong thing to log from a server: rendered with locals it carries the
request's headers (bearer tokens), its query string (URL signatures) and its body, once per
frame. Here an unexpected error logs one structured line instead: a request id, the method and
path (never the query), the exception's type and where it was raised. The same id is in the
500 answer (body ``request_id`` and the ``X-Request-Id`` header), so a user's report finds the
line.

This wraps the app inside Starlette's outermost middleware and swallows what it has logged, so
neither Starlette nor uvicorn logs the traceback a second time.
"""

from __future__ import annotations

import traceback
import uuid

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mimeo.api.http.problems import problem

log = structlog.get_logger()
REQUEST_ID_HEADER = "X-Request-Id"


def _where(frame: traceback.FrameSummary) -> str:
    path = frame.filename
    for root in ("/site-packages/", "/src/", "/lib/python3"):
        if root in path:
            path = path.rsplit(root, 1)[1]
            break
    return f"{path}:{frame.lineno} in {frame.name}"


def raised_at(error: BaseException) -> dict[str, str]:
    """Where ``error`` was raised (``location``, the innermost frame) and, when that is outside
    mimeo, the innermost frame of mimeo's own code (``mimeo_location``): where a fix goes."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return {}
    found = {"location": _where(frames[-1])}
    ours = [frame for frame in frames if "/mimeo/" in frame.filename]
    if ours and ours[-1] is not frames[-1]:
        found["mimeo_location"] = _where(ours[-1])
    return found


class UnhandledErrors:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as error:  # noqa: BLE001 -- logged below, without the traceback
            request_id = uuid.uuid4().hex
            log.error(
                "api.unhandled_error",
                request_id=request_id,
                method=scope["method"],
                path=scope["path"],
                error_type=f"{type(error).__module__}.{type(error).__qualname__}",
                **raised_at(error),
                response_started=started,
            )
            if started:
                return  # the client sees a cut-off answer; nothing better can be sent now
            answer = problem(
                500,
                "Internal Server Error",
                f"mimeo hit an unexpected error; the server log has it under {request_id}",
                request_id=request_id,
            )
            answer.headers[REQUEST_ID_HEADER] = request_id
            await answer(scope, receive, send)
