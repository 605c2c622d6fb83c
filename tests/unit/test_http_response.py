"""Reading an HTTP/1.1 response as its bytes arrive (``runtime.http_response``)."""

from __future__ import annotations

import pytest

from mimeo.runtime.http_response import ClosedEarly, HttpResponseParser, MalformedResponse
from mimeo.runtime.sse_lines import SseLines


def parsed(*pieces: bytes) -> HttpResponseParser:
    parser = HttpResponseParser()
    for piece in pieces:
        parser.feed(piece)
    return parser


def test_a_chunked_body_is_handed_on_chunk_by_chunk() -> None:
    parser = parsed(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n")
    assert (parser.status, parser.take_body(), parser.complete) == (200, b"abc", False)

    parser.feed(b"2;ext=1\r\nde\r\n0\r\nx-trailer: 1\r\n\r\n")
    assert (parser.take_body(), parser.complete, parser.keep_alive) == (b"de", True, True)


def test_a_content_length_body_ends_at_its_length() -> None:
    parser = parsed(b"HTTP/1.1 409 Conflict\r\ncontent-length: 4\r\n\r\nbu", b"sy")

    assert (parser.status, parser.take_body(), parser.complete) == (409, b"busy", True)


def test_an_interim_answer_is_skipped() -> None:
    parser = parsed(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n")

    assert (parser.status, parser.complete) == (204, True)


def test_a_body_without_framing_ends_with_the_connection() -> None:
    parser = parsed(b"HTTP/1.1 200 OK\r\n\r\nall of it")
    assert not parser.complete

    parser.finish()

    assert (parser.take_body(), parser.complete, parser.keep_alive) == (b"all of it", True, False)


def test_a_connection_ending_mid_body_is_an_error() -> None:
    parser = parsed(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nshort")

    with pytest.raises(ClosedEarly):
        parser.finish()


def test_connection_close_is_not_kept() -> None:
    assert not parsed(
        b"HTTP/1.1 200 OK\r\nConnection: close\r\ncontent-length: 0\r\n\r\n"
    ).keep_alive


def test_bytes_after_the_end_are_noticed() -> None:
    assert parsed(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\nHTTP").leftover


@pytest.mark.parametrize(
    "answer",
    [b"SSH-2.0-OpenSSH\r\n\r\n", b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n"],
)
def test_what_is_not_http_is_malformed(answer: bytes) -> None:
    with pytest.raises(MalformedResponse):
        parsed(answer)


def test_server_sent_events_are_whole_lines_across_pieces() -> None:
    lines = SseLines()
    text = 'event: output\ndata: {"chunk": "é"}\n\nevent: done\n\n'.encode()

    events = [event for i in range(len(text)) for event in lines.feed(text[i : i + 1])]

    assert events == [("output", '{"chunk": "é"}'), ("done", "")]
