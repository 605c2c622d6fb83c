"""Kept-alive HTTP/1.1 connections to one Cog server, for ``POST /predictions`` and the events
it streams back.

This is the prediction's hot path, on the event loop the worker shares with the API: a general
client (httpx) spent ~0.75 ms of CPU per prediction against the echo model where this spends a
fraction of it. Everything else said to a Cog server (health, cancel, trainings) stays on httpx.

Nagle meets delayed ACK: coglet writes each event as a small segment without ``TCP_NODELAY``,
so an event is held back until the one before it is acknowledged, and Linux delays that ACK by
up to 40 ms once a connection has left its quick-ACK start: a kept-alive connection stalled
~40 ms per prediction. The socket therefore asks for an immediate ACK (``TCP_QUICKACK``, which
the kernel clears as it goes) after sending and after every read. Where there is no
``TCP_QUICKACK`` (not Linux) each prediction gets a fresh connection instead. With
``TCP_NODELAY`` on our side, a request goes out in one write, head and body together.

A connection goes back to the idle ones only once its response was read to the end; one left
mid-answer (a cancel, an abandoned stream) is closed, so no answer is ever half-read by the next
request. A request is never resent: coglet takes a dropped request for a cancel. So a kept
connection is checked before it is used: one the server closed, or with bytes waiting while
idle, is dropped for a fresh one, as is one idle past ``KEEPALIVE_EXPIRY_SECONDS``.
"""

from __future__ import annotations

import asyncio
import select
import socket
from collections.abc import AsyncIterator
from types import TracebackType
from typing import cast

from mimeo.runtime.http_response import ClosedEarly, HttpResponseParser, MalformedResponse
from mimeo.runtime.sse_lines import SseLines

QUICKACK: int | None = getattr(socket, "TCP_QUICKACK", None)
KEEPALIVE_EXPIRY_SECONDS = 5.0
"""Well inside the server's own idle timeout, so a kept connection is never closed under us."""
CONNECT_TIMEOUT_SECONDS = 10.0


class _Connection(asyncio.Protocol):
    def __init__(self) -> None:
        self._transport: asyncio.Transport | None = None
        self._socket: socket.socket | None = None
        self._response: HttpResponseParser | None = None
        self._wakeup: asyncio.Future[None] | None = None
        self.failure: BaseException | None = None
        """Why this connection can carry nothing more; set when it ends, even while idle."""
        self.idle_since = 0.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's are not subclasses
        self._socket = transport.get_extra_info("socket")
        if self._socket is not None:
            self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        response = self._response
        if response is None:
            self._fail(MalformedResponse("the server sent bytes no request asked for"))
            return
        try:
            response.feed(data)
        except MalformedResponse as error:
            self._fail(error)
            return
        if not response.complete:
            self._ack_now()
        self._wake()

    def eof_received(self) -> bool:
        if self._response is not None:
            try:
                self._response.finish()
            except ClosedEarly as error:
                self.failure = self.failure or error
        self.failure = self.failure or ClosedEarly("the server closed the connection")
        self._wake()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.failure = self.failure or exc or ClosedEarly("the connection was closed")
        self._wake()

    def send(self, request: bytes) -> HttpResponseParser:
        assert self._transport is not None
        self._response = HttpResponseParser()
        self._transport.write(request)
        self._ack_now()
        return self._response

    async def progress(self) -> None:
        """Until more of the response is in; raises why it never will be."""
        if self.failure is not None:
            raise self.failure
        self._wakeup = asyncio.get_running_loop().create_future()
        try:
            await self._wakeup
        finally:
            self._wakeup = None

    def reusable(self, response: HttpResponseParser) -> bool:
        return (
            self.failure is None
            and response.complete
            and response.keep_alive
            and not response.leftover
            and self._transport is not None
            and not self._transport.is_closing()
        )

    def usable_after_idle(self) -> bool:
        """Nothing may be readable on an idle connection: if something is, it is the server's
        end (or stray bytes) that the event loop has not handled yet."""
        if self.failure is not None or self._socket is None:
            return False
        readable = select.poll()
        readable.register(self._socket.fileno(), select.POLLIN)
        return not readable.poll(0)

    def idle(self, now: float) -> None:
        self._response = None
        self.idle_since = now

    def close(self) -> None:
        self.failure = self.failure or ClosedEarly("the connection was closed by mimeo")
        if self._transport is not None:
            self._transport.close()

    def _ack_now(self) -> None:
        if QUICKACK is not None and self._socket is not None:
            self._socket.setsockopt(socket.IPPROTO_TCP, QUICKACK, 1)

    def _wake(self) -> None:
        if self._wakeup is not None and not self._wakeup.done():
            self._wakeup.set_result(None)

    def _fail(self, error: BaseException) -> None:
        self.failure = self.failure or error
        if self._transport is not None:
            self._transport.close()
        self._wake()


class WireResponse:
    """One answer, read while it arrives; its connection is held until the exchange ends."""

    def __init__(self, connection: _Connection, parser: HttpResponseParser) -> None:
        self._connection = connection
        self._parser = parser

    @property
    def status(self) -> int:
        return self._parser.status

    @property
    def content_type(self) -> str:
        return self._parser.headers.get("content-type", "")

    async def read(self) -> bytes:
        """The whole (rest of the) body."""
        while not self._parser.complete:
            await self._connection.progress()
        return self._parser.take_body()

    async def sse(self) -> AsyncIterator[tuple[str, str]]:
        """The body's server-sent events as (name, data), each as soon as it is whole."""
        lines = SseLines()
        parser = self._parser
        while True:
            complete = parser.complete  # before the yields: the rest may come in meanwhile
            for event in lines.feed(parser.take_body()):
                yield event
            if complete:
                return
            if not parser.complete:
                await self._connection.progress()


class _Exchange:
    def __init__(self, wire: CogWire, request: bytes) -> None:
        self._wire = wire
        self._request = request
        self._connection: _Connection | None = None
        self._parser: HttpResponseParser | None = None

    async def __aenter__(self) -> WireResponse:
        connection = self._connection = await self._wire.connection()
        parser = self._parser = connection.send(self._request)
        try:
            while not parser.head_read:
                await connection.progress()
        except BaseException:
            self._wire.give_back(connection, parser)
            raise
        return WireResponse(connection, parser)

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._connection is not None and self._parser is not None:
            self._wire.give_back(self._connection, self._parser)


class CogWire:
    """The connections to one Cog server: one per request in flight (several only for a model
    with ``concurrency.max`` above 1), never two requests on one."""

    def __init__(self, host: str, port: int) -> None:
        self._host = host
        self._port = port
        self._head = (
            f"POST /predictions HTTP/1.1\r\nHost: {host}:{port}\r\n"
            "Accept: text/event-stream\r\nContent-Type: application/json\r\n"
        ).encode()
        self._idle: list[_Connection] = []
        self._open: set[_Connection] = set()
        self._closed = False

    def predict(self, body: bytes) -> _Exchange:
        """``async with wire.predict(body) as response``: the response once its head is in."""
        return _Exchange(self, self._head + b"Content-Length: %d\r\n\r\n" % len(body) + body)

    async def connection(self) -> _Connection:
        if self._closed:
            raise ClosedEarly("the connections to this model server were closed")
        now = asyncio.get_running_loop().time()
        while self._idle:
            connection = self._idle.pop()
            fresh = now - connection.idle_since < KEEPALIVE_EXPIRY_SECONDS
            if fresh and connection.usable_after_idle():
                return connection
            self._drop(connection)
        async with asyncio.timeout(CONNECT_TIMEOUT_SECONDS):
            _, connection = await asyncio.get_running_loop().create_connection(
                _Connection, self._host, self._port
            )
        self._open.add(connection)
        return connection

    def give_back(self, connection: _Connection, response: HttpResponseParser) -> None:
        if self._closed or QUICKACK is None or not connection.reusable(response):
            self._drop(connection)
            return
        connection.idle(asyncio.get_running_loop().time())
        self._idle.append(connection)

    def close(self) -> None:
        """Every connection, idle or in use: the server is going away."""
        self._closed = True
        for connection in self._open:
            connection.close()
        self._open.clear()
        self._idle.clear()

    def _drop(self, connection: _Connection) -> None:
        connection.close()
        self._open.discard(connection)
