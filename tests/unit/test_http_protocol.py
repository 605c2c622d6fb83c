"""A response's head leaves with its body in one write, and no write is lost or held long."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from mimeo.cli.http_protocol import CoalescingTransport

HEAD = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n"


class RecordingTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.writes.append(bytes(data))

    def writelines(self, list_of_data: Iterable[bytes | bytearray | memoryview]) -> None:
        self.writes.append(b"".join(list_of_data))

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed


def coalescing() -> tuple[CoalescingTransport, RecordingTransport]:
    real = RecordingTransport()
    return CoalescingTransport(real, asyncio.get_running_loop()), real


async def test_the_head_goes_with_the_body_at_once() -> None:
    transport, real = coalescing()
    transport.write(HEAD)
    assert real.writes == []
    transport.write(b"{}")
    assert real.writes == [HEAD + b"{}"]
    await asyncio.sleep(0)
    assert real.writes == [HEAD + b"{}"]


async def test_a_head_nothing_follows_goes_at_the_end_of_the_turn() -> None:
    transport, real = coalescing()
    transport.write(HEAD)
    await asyncio.sleep(0)
    assert real.writes == [HEAD]
    transport.write(b"chunk")
    assert real.writes == [HEAD, b"chunk"]


async def test_close_sends_a_held_head_first() -> None:
    transport, real = coalescing()
    transport.write(HEAD)
    transport.close()
    assert real.writes == [HEAD]
    assert real.closed


async def test_other_calls_reach_the_real_transport() -> None:
    transport, real = coalescing()
    assert transport.is_closing() is False
    real.close()
    assert transport.is_closing() is True
