"""An HTTP/1.1 response read as its bytes arrive: status line, headers, then a body framed by
``transfer-encoding: chunked``, ``content-length`` or the end of the connection.

The body is handed on as it is decoded, so a server-sent event reaches its reader when its
chunk arrives, not when the response ends. No I/O here: ``cog_wire`` feeds it.

Errors::

    ResponseError            the answer cannot be read to its end
    ├── MalformedResponse    bytes that are not an HTTP/1.1 response
    └── ClosedEarly          the connection ended before the response did
"""

from __future__ import annotations

from enum import Enum, auto

MAX_HEAD_BYTES = 65536
MAX_CHUNK_LINE_BYTES = 1024


class ResponseError(Exception):
    pass


class MalformedResponse(ResponseError):
    pass


class ClosedEarly(ResponseError):
    pass


class _Body(Enum):
    HEAD = auto()
    CHUNK_SIZE = auto()
    CHUNK_DATA = auto()
    CHUNK_END = auto()
    TRAILER = auto()
    LENGTH = auto()
    UNTIL_CLOSE = auto()
    DONE = auto()


class HttpResponseParser:
    def __init__(self) -> None:
        self.status = 0
        """0 until the status line and headers are in."""
        self.headers: dict[str, str] = {}
        self.keep_alive = True
        self._buffer = bytearray()
        self._body = bytearray()
        self._state = _Body.HEAD
        self._remaining = 0
        self.leftover = False
        """Bytes came after the response's end: the connection carries nothing more."""

    @property
    def head_read(self) -> bool:
        return self._state is not _Body.HEAD

    @property
    def complete(self) -> bool:
        return self._state is _Body.DONE

    def take_body(self) -> bytes:
        """The body decoded since the last call."""
        body = bytes(self._body)
        self._body.clear()
        return body

    def feed(self, data: bytes) -> None:
        if self._state is _Body.DONE:
            self.leftover = self.leftover or bool(data)
            return
        if self._state is _Body.UNTIL_CLOSE:
            self._body += data
            return
        self._buffer += data
        if self._state is _Body.HEAD:
            self._read_head()
        if self._state is _Body.LENGTH:
            self._read_length()
        elif self._state in _CHUNKED:
            self._read_chunks()
        self.leftover = self.complete and bool(self._buffer)

    def finish(self) -> None:
        """The connection ended: that ends a body framed by it, and is an error for any other."""
        if self._state is _Body.UNTIL_CLOSE:
            self._state = _Body.DONE
        elif self._state is not _Body.DONE:
            raise ClosedEarly("the server closed the connection before its answer ended")

    def _read_head(self) -> None:
        while self._state is _Body.HEAD:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self._buffer) > MAX_HEAD_BYTES:
                    raise MalformedResponse("a response head longer than 64 KiB")
                return
            head = bytes(self._buffer[:end]).decode("latin-1")
            del self._buffer[: end + 4]
            self._parse_head(head)

    def _parse_head(self, head: str) -> None:
        status_line, *lines = head.split("\r\n")
        version, _, rest = status_line.partition(" ")
        code = rest[:3]
        if not version.startswith("HTTP/1.") or not code.isdigit():
            raise MalformedResponse(f"not an HTTP/1.1 status line: {status_line[:80]!r}")
        status = int(code)
        if 100 <= status < 200:
            return  # an interim answer (100 Continue): the real one follows
        headers: dict[str, str] = {}
        for line in lines:
            name, colon, value = line.partition(":")
            if not colon:
                raise MalformedResponse(f"not a header line: {line[:80]!r}")
            name = name.strip().lower()
            value = value.strip()
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        self.status = status
        self.headers = headers
        self.keep_alive = version == "HTTP/1.1" and "close" not in headers.get("connection", "")
        if "chunked" in headers.get("transfer-encoding", ""):
            self._state = _Body.CHUNK_SIZE
        elif "content-length" in headers:
            try:
                self._remaining = int(headers["content-length"])
            except ValueError:
                self._remaining = -1
            if self._remaining < 0:
                raise MalformedResponse("a content-length that is not a size")
            self._state = _Body.LENGTH
        elif status in (204, 304):
            self._state = _Body.DONE
        else:
            self._state = _Body.UNTIL_CLOSE
            self.keep_alive = False
            self._body += self._buffer
            self._buffer.clear()

    def _read_length(self) -> None:
        taken = self._buffer[: self._remaining]
        self._body += taken
        del self._buffer[: len(taken)]
        self._remaining -= len(taken)
        if self._remaining == 0:
            self._state = _Body.DONE

    def _read_chunks(self) -> None:
        buffer = self._buffer
        while buffer:
            if self._state is _Body.CHUNK_DATA:
                taken = buffer[: self._remaining]
                self._body += taken
                del buffer[: len(taken)]
                self._remaining -= len(taken)
                if self._remaining:
                    return
                self._state = _Body.CHUNK_END
                continue
            if self._state is _Body.CHUNK_END:
                if len(buffer) < 2:
                    return
                if buffer[:2] != b"\r\n":
                    raise MalformedResponse("a chunk longer than its size")
                del buffer[:2]
                self._state = _Body.CHUNK_SIZE
                continue
            end = buffer.find(b"\r\n")
            if end < 0:
                if len(buffer) > MAX_CHUNK_LINE_BYTES:
                    raise MalformedResponse("a chunk size line longer than 1 KiB")
                return
            line = bytes(buffer[:end])
            del buffer[: end + 2]
            if self._state is _Body.TRAILER:
                if not line:
                    self._state = _Body.DONE
                    return
                continue
            try:
                size = int(line.split(b";", 1)[0], 16)
            except ValueError:
                size = -1
            if size < 0:
                raise MalformedResponse(f"not a chunk size: {line[:40]!r}")
            if size == 0:
                self._state = _Body.TRAILER
            else:
                self._remaining = size
                self._state = _Body.CHUNK_DATA


_CHUNKED = frozenset({_Body.CHUNK_SIZE, _Body.CHUNK_DATA, _Body.CHUNK_END, _Body.TRAILER})
