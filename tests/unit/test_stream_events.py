"""The SSE view of a prediction: events after a cursor, ids that resume, Replicate's framing."""

from __future__ import annotations

import json
from typing import Any

from mimeo.core.status import PredictionStatus
from mimeo.core.stream_events import PredictionState, StreamCursor, StreamEvent, events_since

RUNNING = PredictionStatus.PROCESSING


def state(
    status: PredictionStatus = RUNNING,
    output: Any = None,
    logs: str = "",
    error: str | None = None,
    iterator: bool = True,
) -> PredictionState:
    return PredictionState(status, output, logs, error, iterator)


def same(value: Any) -> Any:
    return value


def test_iterator_chunks_after_the_cursor_are_output_events() -> None:
    events, cursor, done = events_since(StreamCursor(1, 0), state(output=["a", "b", "c"]), same)

    assert [(e.event, e.data) for e in events] == [("output", "b"), ("output", "c")]
    assert cursor == StreamCursor(3, 0)
    assert not done


def test_only_whole_log_lines_go_out_while_running() -> None:
    events, cursor, _ = events_since(StreamCursor(), state(logs="one\ntw"), same)

    assert [(e.event, e.data) for e in events] == [("logs", "one")]
    assert cursor.logs == len("one\n")


def test_the_last_partial_log_line_goes_out_at_the_end() -> None:
    ended = state(PredictionStatus.SUCCEEDED, output=[], logs="one\ntwo")

    events, _, done = events_since(StreamCursor(0, 4), ended, same)

    assert [(e.event, e.data) for e in events] == [("logs", "two"), ("done", "{}")]
    assert done


def test_a_non_iterator_output_goes_out_once_whole_at_the_end() -> None:
    ended = state(PredictionStatus.SUCCEEDED, output={"a": 1}, iterator=False)

    events, cursor, _ = events_since(StreamCursor(), ended, same)
    again, _, _ = events_since(cursor, ended, same)

    assert [(e.event, json.loads(e.data)) for e in events] == [("output", {"a": 1}), ("done", {})]
    assert [e.event for e in again] == ["done"]


def test_a_failure_is_an_error_event_then_done_with_reason_error() -> None:
    failed = state(PredictionStatus.FAILED, error="boom")

    events, _, _ = events_since(StreamCursor(), failed, same)

    assert [(e.event, json.loads(e.data)) for e in events] == [
        ("error", {"detail": "boom"}),
        ("done", {"reason": "error"}),
    ]


def test_a_cancel_is_done_with_reason_canceled() -> None:
    events, _, _ = events_since(StreamCursor(), state(PredictionStatus.CANCELED), same)

    assert [(e.event, e.data) for e in events] == [("done", '{"reason":"canceled"}')]


def test_an_event_id_parses_back_to_the_cursor_after_it() -> None:
    events, cursor, _ = events_since(StreamCursor(), state(output=["a", "b"], logs="x\n"), same)

    assert StreamCursor.parse(events[-1].id) == cursor


def test_an_unknown_last_event_id_starts_from_the_beginning() -> None:
    assert StreamCursor.parse("1690212292:0:garbage") == StreamCursor(1690212292, 0)
    assert StreamCursor.parse("not-ours") == StreamCursor()
    assert StreamCursor.parse(None) == StreamCursor()


def test_non_text_chunks_are_json_and_outputs_are_rendered() -> None:
    events, _, _ = events_since(StreamCursor(), state(output=[{"n": 1}, "ref"]), lambda v: [v])

    assert [e.data for e in events] == ['[{"n": 1}]', '["ref"]']


def test_multi_line_data_is_framed_as_several_data_lines() -> None:
    frame = StreamEvent("output", "line one\nline two", "1:0").frame()

    assert frame == b"event: output\nid: 1:0\ndata: line one\ndata: line two\n\n"
