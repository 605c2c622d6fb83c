"""``urls.stream``: Server-Sent Events as Replicate frames them, live, resumable and replayable."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import pytest
import replicate
from replicate.stream import ServerSentEvent

from tests.conftest import MimeoServer


@dataclass
class Event:
    event: str
    id: str
    data: str


def read_events(response: httpx.Response) -> Iterator[Event]:
    """A plain SSE parser: what any client that is not Replicate's would do."""
    fields: dict[str, list[str]] = {}
    for line in response.iter_lines():
        if line == "":
            if "event" in fields:
                yield Event(fields["event"][0], fields["id"][0], "\n".join(fields.get("data", [])))
            fields = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            fields.setdefault(name, []).append(value.removeprefix(" "))


@contextmanager
def open_stream(url: str, last_event_id: str | None = None) -> Iterator[httpx.Response]:
    """Without the Authorization header, as the JavaScript and Go clients open it."""
    headers = {"Accept": "text/event-stream"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    with httpx.stream("GET", url, headers=headers, timeout=30) as response:
        yield response


@pytest.fixture(scope="module")
def stream_version(push_fixture: Callable[[str], str]) -> str:
    return push_fixture("stream")


def outputs(events: list[Event]) -> list[str]:
    return [e.data for e in events if e.event == "output"]


def test_replicate_stream_yields_each_token_then_done(
    client: replicate.Client, stream_version: str
) -> None:
    events = list(client.stream(f"fixtures/stream:{stream_version}", input={"n": 3}))

    tokens = [str(e) for e in events if e.event == ServerSentEvent.EventType.OUTPUT]
    assert tokens == ["token0 ", "token1 ", "token2 "]
    assert events[-1].event == ServerSentEvent.EventType.DONE


def test_first_token_arrives_while_the_predictor_is_still_running(
    client: replicate.Client, stream_version: str
) -> None:
    stream = client.stream(f"fixtures/stream:{stream_version}", input={"n": 2, "delay": 4.0})

    first = next(e for e in stream if e.event == ServerSentEvent.EventType.OUTPUT)
    running = client.predictions.list().results[0]

    assert str(first) == "token0 "
    assert running.status == "processing"
    assert running.output == ["token0 "]


def test_stream_content_type_is_exactly_event_stream(
    client: replicate.Client, stream_version: str
) -> None:
    prediction = client.predictions.create(version=stream_version, input={"n": 1})

    with open_stream(prediction.urls["stream"]) as response:
        assert response.headers["content-type"] == "text/event-stream"


def test_every_event_has_an_id(client: replicate.Client, stream_version: str) -> None:
    prediction = client.predictions.create(version=stream_version, input={"n": 2})

    with open_stream(prediction.urls["stream"]) as response:
        events = list(read_events(response))

    assert [e.event for e in events if e.event != "logs"] == ["output", "output", "done"]
    assert all(e.id for e in events)
    assert len({e.id for e in events}) == len(events)


def test_reconnecting_with_last_event_id_resumes_without_loss_or_duplicates(
    client: replicate.Client, stream_version: str
) -> None:
    prediction = client.predictions.create(version=stream_version, input={"n": 4, "delay": 0.3})
    url = prediction.urls["stream"]

    with open_stream(url) as response:
        first_two = []
        for event in read_events(response):
            first_two.append(event)
            if len(first_two) == 2:
                break
    with open_stream(url, last_event_id=first_two[-1].id) as response:
        rest = list(read_events(response))

    assert outputs(first_two) + outputs(rest) == ["token0 ", "token1 ", "token2 ", "token3 "]
    assert rest[-1].event == "done"


def test_a_stream_opened_after_the_end_replays_it_and_closes(
    client: replicate.Client, stream_version: str
) -> None:
    prediction = client.predictions.create(version=stream_version, input={"n": 3})
    prediction.wait()

    with open_stream(prediction.urls["stream"]) as response:
        events = list(read_events(response))

    assert outputs(events) == ["token0 ", "token1 ", "token2 "]
    assert (events[-1].event, json.loads(events[-1].data)) == ("done", {})


def test_non_iterator_output_arrives_whole_at_the_end(
    client: replicate.Client, push_fixture: Callable[[str], str]
) -> None:
    version = push_fixture("outputs-list")
    prediction = client.predictions.create(version=version, input={})
    prediction.wait()

    with open_stream(prediction.urls["stream"]) as response:
        events = list(read_events(response))

    assert [json.loads(data) for data in outputs(events)] == [prediction.output]


def test_logs_arrive_as_logs_events_one_line_each(
    client: replicate.Client, push_fixture: Callable[[str], str]
) -> None:
    version = push_fixture("logs")
    prediction = client.predictions.create(version=version, input={})
    prediction.wait()

    with open_stream(prediction.urls["stream"]) as response:
        events = list(read_events(response))

    lines = [e.data for e in events if e.event == "logs"]
    assert "stdout line 1" in lines
    assert lines.index("stdout line 1") < lines.index("stdout line 3")
    assert outputs(events) == ["done"]


def test_a_failed_prediction_streams_an_error_then_done(
    client: replicate.Client, push_fixture: Callable[[str], str]
) -> None:
    version = push_fixture("predict-raises")
    prediction = client.predictions.create(version=version, input={})
    prediction.wait()

    with open_stream(prediction.urls["stream"]) as response:
        events = list(read_events(response))

    assert [e.event for e in events][-2:] == ["error", "done"]
    assert "bad things happened" in json.loads(events[-2].data)["detail"]
    assert json.loads(events[-1].data) == {"reason": "error"}


def test_replicate_stream_raises_on_a_failed_prediction(
    client: replicate.Client, push_fixture: Callable[[str], str]
) -> None:
    version = push_fixture("predict-raises")

    with pytest.raises(RuntimeError, match="bad things happened"):
        list(client.stream(f"fixtures/predict-raises:{version}", input={}))


def test_a_canceled_prediction_ends_with_done_reason_canceled(
    client: replicate.Client, stream_version: str
) -> None:
    prediction = client.predictions.create(version=stream_version, input={"n": 3, "delay": 2.0})

    with open_stream(prediction.urls["stream"]) as response:
        events = read_events(response)
        next(e for e in events if e.event == "output")
        prediction.cancel()
        rest = list(events)

    assert (rest[-1].event, json.loads(rest[-1].data)) == ("done", {"reason": "canceled"})


def test_the_stream_url_needs_no_token_but_a_forged_one_does(
    mimeo_server: MimeoServer, client: replicate.Client, stream_version: str
) -> None:
    prediction = client.predictions.create(version=stream_version, input={"n": 1})
    forged = prediction.urls["stream"].split("?")[0] + "?token=forged"

    without_token = httpx.get(forged, headers={"Accept": "text/event-stream"})
    with mimeo_server.http() as authorized, authorized.stream("GET", forged) as response:
        owner_status = response.status_code

    assert without_token.status_code == 401
    assert without_token.headers["content-type"] == "application/problem+json"
    assert owner_status == 200


def test_an_async_iterator_streams_its_tokens(
    client: replicate.Client, push_fixture: Callable[[str], str]
) -> None:
    version = push_fixture("async-stream")

    events = list(client.stream(f"fixtures/async-stream:{version}", input={"n": 3}))

    tokens = [str(e) for e in events if e.event == ServerSentEvent.EventType.OUTPUT]
    assert tokens == ["async0 ", "async1 ", "async2 "]


def test_a_concatenate_iterator_streams_its_tokens(
    client: replicate.Client, push_fixture: Callable[[str], str]
) -> None:
    version = push_fixture("concat-stream")

    output = client.run(f"fixtures/concat-stream:{version}", input={"n": 3})

    assert "".join(output) == "token0 token1 token2 "


def test_an_iterator_of_paths_streams_a_stored_file_per_chunk(
    client: replicate.Client, push_fixture: Callable[[str], str]
) -> None:
    version = push_fixture("stream-paths")
    prediction = client.predictions.create(version=version, input={"n": 2, "delay": 1.0})

    with open_stream(prediction.urls["stream"]) as response:
        urls = outputs(list(read_events(response)))
    prediction.reload()

    assert [httpx.get(url).content for url in urls] == [b"part 0\n", b"part 1\n"]
    assert [httpx.get(url).content for url in prediction.output] == [b"part 0\n", b"part 1\n"]
