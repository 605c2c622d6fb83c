"""uvicorn's HTTP/1.1 protocol with a response's head and body sent in one system call.

uvicorn writes the status line and headers as soon as the app sends ``http.response.start``,
and the body in a second write: two ``send`` calls and, with ``TCP_NODELAY``, two segments and
two wake-ups of the client for one small JSON answer. Here the writes made during one turn of
the event loop are joined and handed to the socket at the end of it, so a response whose app
sends head and body back to back (every ``Response``) leaves in one. A large body is not held:
once ``FLUSH_BYTES`` are waiting they go at once, so uvicorn's flow control sees them.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

FLUSH_BYTES = 64 * 1024


class CoalescingTransport:
    """The parts of ``asyncio.Transport`` uvicorn's protocol uses, with writes joined per turn;
    everything else is the real transport's."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []
        self._pending_bytes = 0

    def write(self, data: bytes) -> None:
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(data)
        self._pending_bytes += len(data)
        if self._pending_bytes >= FLUSH_BYTES:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        data = self._pending[0] if len(self._pending) == 1 else b"".join(self._pending)
        self._pending.clear()
        self._pending_bytes = 0
        if not self._transport.is_closing():
            self._transport.write(data)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class CoalescingHttpToolsProtocol(HttpToolsProtocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        coalescing = CoalescingTransport(transport, self.loop)
        super().connection_made(coalescing)  # type: ignore[arg-type]
