"""A stand-in for a Cog server's ``POST /predictions`` that answers each request with the next
scripted sequence of bytes, so the client's HTTP handling is tested on a real socket.

A script step is bytes to write, an ``asyncio.Event`` to wait for before going on, or ``CLOSE``
to end the connection there.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any, Final

CLOSE: Final = "close"
Step = bytes | asyncio.Event | str


def sse(*events: tuple[str, dict[str, Any]]) -> bytes:
    """coglet's way: one chunk per event."""
    out = b""
    for name, data in events:
        payload = f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()
        out += b"%x\r\n%s\r\n" % (len(payload), payload)
    return out


STREAM_HEAD = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
)
END = b"0\r\n\r\n"


def plain(status: int, body: bytes) -> bytes:
    return b"HTTP/1.1 %d X\r\ncontent-length: %d\r\n\r\n%s" % (status, len(body), body)


def succeeded(output: Any = "hi") -> bytes:
    return (
        STREAM_HEAD
        + sse(("start", {}), ("output", {"chunk": output, "index": 0}))
        + sse(("completed", {"status": "succeeded", "output": output}))
        + END
    )


@dataclass
class ScriptedCog:
    answers: list[list[Step]]
    requests: list[dict[str, Any]] = field(default_factory=list)
    connections: int = 0
    port: int = 0
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    """Set whenever the server has closed a connection."""
    _arrived: asyncio.Condition = field(default_factory=asyncio.Condition)
    _server: asyncio.Server | None = None

    async def __aenter__(self) -> ScriptedCog:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def until_requests(self, count: int) -> None:
        async with self._arrived:
            await self._arrived.wait_for(lambda: len(self.requests) >= count)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while self.answers:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError:
                    return
                length = next(
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                self.requests.append(json.loads(await reader.readexactly(length)))
                async with self._arrived:
                    self._arrived.notify_all()
                for step in self.answers.pop(0):
                    if step == CLOSE:
                        return
                    if isinstance(step, asyncio.Event):
                        await step.wait()
                    elif isinstance(step, bytes):
                        writer.write(step)
                        await writer.drain()
        finally:
            writer.close()
            await writer.wait_closed()
            self.closed.set()
