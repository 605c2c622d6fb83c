"""A prediction's Server-Sent Events, derived from its stored state.

The stream is a view of the prediction row, not a second log: the event ids are positions in
it (``<outputs sent>:<log characters sent>``), so a client that reconnects with
``Last-Event-ID`` resumes exactly where it was, on any API node, and a stream opened after the
prediction ended replays it. Framing follows Replicate: ``output``, ``logs``, ``error``, ``done``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mimeo.core.status import PredictionStatus, is_terminal


@dataclass(frozen=True)
class StreamCursor:
    outputs: int = 0
    logs: int = 0

    def encode(self) -> str:
        return f"{self.outputs}:{self.logs}"

    @classmethod
    def parse(cls, last_event_id: str | None) -> StreamCursor:
        """An id this server did not make starts from the beginning rather than failing."""
        if not last_event_id:
            return cls()
        outputs, _, rest = last_event_id.partition(":")
        logs = rest.split(":", 1)[0]
        if not (outputs.isdigit() and logs.isdigit()):
            return cls()
        return cls(int(outputs), int(logs))


@dataclass(frozen=True)
class StreamEvent:
    event: str
    data: str
    id: str

    def frame(self) -> bytes:
        lines = [f"event: {self.event}", f"id: {self.id}"]
        lines += [f"data: {line}" for line in self.data.split("\n")]
        return ("\n".join(lines) + "\n\n").encode()


@dataclass(frozen=True)
class PredictionState:
    status: PredictionStatus
    output: Any
    logs: str
    error: str | None
    iterator_output: bool


def output_data(value: Any) -> str:
    """Text chunks go as they are (an LLM token is the data); anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value)


def events_since(
    cursor: StreamCursor, state: PredictionState, render: Callable[[Any], Any]
) -> tuple[list[StreamEvent], StreamCursor, bool]:
    """The events after ``cursor``, the cursor after them, and whether the stream is over.

    Logs go out a line at a time and only whole lines until the prediction ends. An iterator's
    chunks go out as they are stored; any other output goes out once, whole, at the end.
    """
    events: list[StreamEvent] = []
    outputs, log_offset = cursor.outputs, cursor.logs
    done = is_terminal(state.status)

    pending_logs = state.logs[log_offset:]
    complete = pending_logs if done else pending_logs[: pending_logs.rfind("\n") + 1]
    for line in complete.splitlines(keepends=True):
        log_offset += len(line)
        events.append(StreamEvent("logs", line.rstrip("\n"), f"{outputs}:{log_offset}"))

    if state.iterator_output and isinstance(state.output, list):
        for chunk in state.output[outputs:]:
            outputs += 1
            events.append(
                StreamEvent("output", output_data(render(chunk)), f"{outputs}:{log_offset}")
            )
    elif done and outputs == 0 and state.output is not None:
        outputs = 1
        events.append(
            StreamEvent("output", output_data(render(state.output)), f"{outputs}:{log_offset}")
        )

    position = f"{outputs}:{log_offset}"
    if done:
        if state.status is PredictionStatus.FAILED:
            detail = json.dumps({"detail": state.error or "The prediction failed"})
            events.append(StreamEvent("error", detail, f"{position}:error"))
            events.append(StreamEvent("done", '{"reason":"error"}', f"{position}:done"))
        elif state.status is PredictionStatus.CANCELED:
            events.append(StreamEvent("done", '{"reason":"canceled"}', f"{position}:done"))
        else:
            events.append(StreamEvent("done", "{}", f"{position}:done"))
    return events, StreamCursor(outputs, log_offset), done
