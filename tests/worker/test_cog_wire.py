"""How a prediction is sent to a Cog server and its answer read, on a real socket against a
scripted server: framing, coglet's answers other than a stream, and kept-alive connections."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from mimeo.cli.event_loop import run_service
from mimeo.runtime import cog_wire
from mimeo.runtime.cog_events import CogEvent, Completed, OutputChunk, Started
from mimeo.runtime.cog_wire import CogWire
from mimeo.runtime.environment import Environment
from mimeo.runtime.instance import CogInstance, InstanceDied
from tests.worker.scripted_cog import (
    CLOSE,
    END,
    STREAM_HEAD,
    ScriptedCog,
    Step,
    plain,
    sse,
    succeeded,
)


def instance_on(server: ScriptedCog, tmp_path: Path) -> CogInstance:
    """A CogInstance speaking to the scripted server, as ``start`` would leave it."""
    instance = CogInstance(tmp_path, Environment(tmp_path), "predict.py:P", tmp_path / "log")
    instance.port = server.port
    instance._wire = CogWire("127.0.0.1", server.port)
    return instance


async def run(instance: CogInstance, prediction_id: str = "p1") -> list[CogEvent]:
    return [event async for event in instance.predict(prediction_id, {"text": "hi"})]


async def test_a_streamed_prediction_yields_its_events_in_order(tmp_path: Path) -> None:
    async with ScriptedCog([[succeeded("hi")]]) as server:
        events = await run(instance_on(server, tmp_path))

    assert events == [Started(), OutputChunk("hi", 0), Completed("succeeded", output="hi")]
    assert server.requests == [{"id": "p1", "input": {"text": "hi"}}]


async def test_an_answer_split_at_every_byte_reads_the_same(tmp_path: Path) -> None:
    answer = succeeded("héllo")
    async with ScriptedCog([[answer[i : i + 1] for i in range(len(answer))]]) as server:
        events = await run(instance_on(server, tmp_path))

    assert events[-1] == Completed("succeeded", output="héllo")


def paused_after_first_output() -> tuple[asyncio.Event, list[Step]]:
    """An answer that starts and outputs ``"a"`` at once, and completes once the event is set."""
    more = asyncio.Event()
    first = STREAM_HEAD + sse(("start", {}), ("output", {"chunk": "a", "index": 0}))
    rest = sse(("completed", {"status": "succeeded", "output": ["a"]})) + END
    return more, [first, more, rest]


async def test_outputs_arrive_while_the_model_still_runs(tmp_path: Path) -> None:
    more, answer = paused_after_first_output()
    async with ScriptedCog([answer]) as server:
        stream = instance_on(server, tmp_path).predict("p1", {})
        assert await anext(stream) == Started()
        assert await anext(stream) == OutputChunk("a", 0)  # before the server sent the rest
        more.set()
        assert [event async for event in stream] == [Completed("succeeded", output=["a"])]


async def test_what_arrives_while_the_caller_is_busy_is_not_lost(tmp_path: Path) -> None:
    more, answer = paused_after_first_output()
    async with ScriptedCog([answer]) as server:
        stream = instance_on(server, tmp_path).predict("p1", {})
        assert await anext(stream) == Started()
        more.set()
        await server.closed.wait()  # the whole answer is in before the caller asks again
        events = [event async for event in stream]

    assert events == [OutputChunk("a", 0), Completed("succeeded", output=["a"])]


async def test_at_capacity_is_retried_until_the_model_takes_it(tmp_path: Path) -> None:
    busy = plain(409, b'{"detail":"Already running a prediction"}')
    async with ScriptedCog([[busy], [busy], [succeeded()]]) as server:
        events = await run(instance_on(server, tmp_path))

    assert events[-1].status == "succeeded"  # type: ignore[union-attr]
    assert len(server.requests) == 3
    assert server.connections == 1


async def test_input_the_model_rejects_fails_the_prediction(tmp_path: Path) -> None:
    async with ScriptedCog([[plain(422, b'{"detail":"text is required"}')]]) as server:
        events = await run(instance_on(server, tmp_path))

    assert events == [
        Completed("failed", error='input rejected by the model: {"detail":"text is required"}')
    ]


async def test_another_error_status_means_the_instance_died(tmp_path: Path) -> None:
    async with ScriptedCog([[plain(500, b"internal error")]]) as server:
        with pytest.raises(InstanceDied, match="the model server answered 500: internal error"):
            await run(instance_on(server, tmp_path))


async def test_an_answer_that_is_not_a_stream_is_the_final_prediction(tmp_path: Path) -> None:
    body = b'{"status":"succeeded","output":"hi"}'
    answer = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n"
    async with ScriptedCog([[answer % len(body) + body]]) as server:
        events = await run(instance_on(server, tmp_path))

    assert events == [Completed("succeeded", output="hi")]


async def test_a_stream_cut_before_completing_means_the_instance_died(tmp_path: Path) -> None:
    async with ScriptedCog([[STREAM_HEAD + sse(("start", {})), CLOSE]]) as server:
        with pytest.raises(InstanceDied, match="lost the model server"):
            await run(instance_on(server, tmp_path))


async def test_a_stream_ending_without_completed_means_the_instance_died(tmp_path: Path) -> None:
    async with ScriptedCog([[STREAM_HEAD + sse(("start", {})) + END]]) as server:
        with pytest.raises(InstanceDied, match="closed the stream before completing"):
            await run(instance_on(server, tmp_path))


async def test_a_server_that_is_gone_means_the_instance_died(tmp_path: Path) -> None:
    async with ScriptedCog([]) as server:
        instance = instance_on(server, tmp_path)
    with pytest.raises(InstanceDied, match="ConnectionRefusedError"):
        await run(instance)


async def test_predictions_in_a_row_share_one_connection(tmp_path: Path) -> None:
    async with ScriptedCog([[succeeded()], [succeeded()], [succeeded()]]) as server:
        instance = instance_on(server, tmp_path)
        for n in range(3):
            await run(instance, f"p{n}")

    assert server.connections == 1


async def test_a_kept_connection_the_server_closed_is_replaced_unnoticed(tmp_path: Path) -> None:
    async with ScriptedCog([[succeeded(), CLOSE], [succeeded("again")]]) as server:
        instance = instance_on(server, tmp_path)
        await run(instance, "p1")
        await server.closed.wait()
        events = await run(instance, "p2")

    assert events[-1] == Completed("succeeded", output="again")
    assert server.connections == 2


async def test_a_connection_idle_too_long_is_not_used_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cog_wire, "KEEPALIVE_EXPIRY_SECONDS", 0.0)
    async with ScriptedCog([[succeeded()], [succeeded()]]) as server:
        instance = instance_on(server, tmp_path)
        await run(instance, "p1")
        await run(instance, "p2")

    assert server.connections == 2


async def test_a_stream_left_midway_does_not_leave_its_answer_to_the_next(
    tmp_path: Path,
) -> None:
    never = asyncio.Event()
    started = STREAM_HEAD + sse(("start", {}))
    async with ScriptedCog([[started, never], [succeeded("next")]]) as server:
        instance = instance_on(server, tmp_path)
        stream = instance.predict("p1", {})
        assert await anext(stream) == Started()
        await stream.aclose()
        events = await run(instance, "p2")

    assert events[-1] == Completed("succeeded", output="next")
    assert server.connections == 2


async def test_predictions_at_once_never_share_a_connection(tmp_path: Path) -> None:
    hold = asyncio.Event()
    answer: list[Step] = [STREAM_HEAD, hold, sse(("completed", {"status": "succeeded"})), END]
    async with ScriptedCog([answer, answer]) as server:
        instance = instance_on(server, tmp_path)
        both = asyncio.gather(run(instance, "p1"), run(instance, "p2"))
        await server.until_requests(2)
        hold.set()
        results = await both

    assert [events[-1] for events in results] == [Completed("succeeded")] * 2
    assert server.connections == 2


def test_the_service_event_loop_carries_predictions_too(tmp_path: Path) -> None:
    async def predict_twice() -> tuple[list[CogEvent], int]:
        async with ScriptedCog([[succeeded()], [succeeded("two")]]) as server:
            instance = instance_on(server, tmp_path)
            await run(instance, "p1")
            return await run(instance, "p2"), server.connections

    events, connections = run_service(predict_twice())

    assert (events[-1], connections) == (Completed("succeeded", output="two"), 1)
