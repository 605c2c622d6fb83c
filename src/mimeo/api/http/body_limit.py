"""A ceiling on request bodies: a clear 413 instead of a server that reads whatever it is sent.

Public ``/v1/...`` routes take bodies up to ``settings.max_upload_bytes``. Not limited here: the
model push route (archives are larger and it has a ceiling of its own) and ``/internal/...``
(the worker protocol, which carries outputs and logs).

Two checks, because a body need not say its size. A declared ``Content-Length`` over the limit
is refused before a byte of the body is read (a client that sent ``Expect: 100-continue`` is
then never told to send it). A body without one (chunked) is counted as it arrives and refused
as soon as it crosses the limit; uvicorn discards the rest of it, so it is never held in memory.
"""

from __future__ import annotations

import re

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mimeo.api.http.problems import problem_for
from mimeo.core.errors import PayloadTooLarge

log = structlog.get_logger()
PUSH_ROUTE = re.compile(r"^/v1/models/[^/]+/[^/]+/versions/?$")


class BodyTooLarge(Exception):
    """Raised into the app by ``receive`` once the body crosses the limit. Whatever the app
    makes of it (FastAPI turns errors while reading a body into 400), the middleware answers."""


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def applies_to(self, scope: Scope) -> bool:
        path: str = scope["path"]
        if not path.startswith("/v1/"):
            return False
        return not (scope["method"] == "POST" and PUSH_ROUTE.match(path))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.applies_to(scope):
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(scope, receive, send)
            return

        received = 0
        exceeded = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded and not started:
                return  # the app's answer to the interrupted read; the 413 below replaces it
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not exceeded or started:
                raise
        if exceeded and not started:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        log.info("request.body_too_large", path=scope["path"], max_bytes=self.max_bytes)
        error = PayloadTooLarge(
            f"the request body is larger than this server's limit of {self.max_bytes} bytes"
        )
        await problem_for(error)(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
