"""uvicorn's HTTP/1.1 protocol with a response's head and body sent in one system call.

uvicorn writes the status line and headers as soon as the app sends ``http.response.start``,
and the body in a second write: two ``send`` calls and, with ``TCP_NODELAY``, two segments and
two wake-ups of the client for one small JSON answer. Here a write that ends a header block is
held and goes out with the write after it (one ``writev``); one that nothing follows in the same
turn of the event loop (a streamed body's first chunk is still being made) goes at its end.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

HEAD_END = b"\r\n\r\n"


class CoalescingTransport:
    """The parts of ``asyncio.Transport`` uvicorn's protocol uses, with a response's head held
    for its body; everything else is the real transport's."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._head: bytes | None = None

    def write(self, data: bytes) -> None:
        if self._head is not None:
            head, self._head = self._head, None
            self._transport.writelines((head, data))
        elif data.endswith(HEAD_END):
            self._head = data
            self._loop.call_soon(self.flush)
        else:
            self._transport.write(data)

    def flush(self) -> None:
        if self._head is None:
            return
        head, self._head = self._head, None
        if not self._transport.is_closing():
            self._transport.write(head)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class CoalescingHttpToolsProtocol(HttpToolsProtocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        coalescing = CoalescingTransport(transport, self.loop)
        super().connection_made(coalescing)  # type: ignore[arg-type]
