"""The response writes of one event-loop turn leave in one write, and none is lost or held."""

from __future__ import annotations

import asyncio

from mimeo.cli.http_protocol import FLUSH_BYTES, CoalescingTransport


class RecordingTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed


async def test_head_and_body_of_one_turn_are_one_write() -> None:
    real = RecordingTransport()
    transport = CoalescingTransport(real, asyncio.get_running_loop())
    transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
    transport.write(b"{}")
    assert real.writes == []
    await asyncio.sleep(0)
    assert real.writes == [b"HTTP/1.1 200 OK\r\n\r\n{}"]


async def test_close_sends_what_is_waiting_first() -> None:
    real = RecordingTransport()
    transport = CoalescingTransport(real, asyncio.get_running_loop())
    transport.write(b"bye")
    transport.close()
    assert real.writes == [b"bye"]
    assert real.closed
    await asyncio.sleep(0)
    assert real.writes == [b"bye"]


async def test_a_large_body_is_not_held() -> None:
    real = RecordingTransport()
    transport = CoalescingTransport(real, asyncio.get_running_loop())
    transport.write(b"head")
    transport.write(b"x" * FLUSH_BYTES)
    assert real.writes == [b"head" + b"x" * FLUSH_BYTES]
    transport.write(b"tail")
    await asyncio.sleep(0)
    assert real.writes[1:] == [b"tail"]


async def test_other_calls_reach_the_real_transport() -> None:
    real = RecordingTransport()
    transport = CoalescingTransport(real, asyncio.get_running_loop())
    assert transport.is_closing() is False
    real.close()
    assert transport.is_closing() is True
