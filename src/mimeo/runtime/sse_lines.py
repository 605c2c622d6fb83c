"""Server-sent events cut out of a body that arrives in pieces: ``event:`` and ``data:`` lines,
a blank line ending each event.

Pieces are split anywhere (inside a line, inside a UTF-8 character), so only whole lines are
decoded. What an event means is ``cog_events.parse_event``'s business.
"""

from __future__ import annotations


class SseLines:
    def __init__(self) -> None:
        self._partial = b""
        self._name = "message"
        self._data: list[str] = []

    def feed(self, piece: bytes) -> list[tuple[str, str]]:
        """The events this piece completes, as (name, data)."""
        lines = (self._partial + piece).split(b"\n")
        self._partial = lines.pop()
        events: list[tuple[str, str]] = []
        for raw in lines:
            line = raw.decode(errors="replace").removesuffix("\r")
            if not line:
                if self._data or self._name != "message":
                    events.append((self._name, "\n".join(self._data)))
                self._name, self._data = "message", []
            elif line.startswith("event:"):
                self._name = line[6:].strip()
            elif line.startswith("data:"):
                self._data.append(line[5:].removeprefix(" "))
        return events
