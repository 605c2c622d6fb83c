"""The director and its job runner in process: real Cog servers for fixture predictors, and the
API as an in-memory channel, so what the worker reports can be read report by report."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from mimeo.core.protocol import Finished, HandBack, Progress
from mimeo.core.worker_limits import PoolLimits
from mimeo.runtime.archive import pack
from mimeo.runtime.environment import EnvironmentBuilder
from mimeo.runtime.openapi import dumps
from mimeo.runtime.prepare import prepare
from mimeo.worker.director import Director
from mimeo.worker.pool import InstancePool
from tests.conftest import FIXTURES
from tests.worker.channel import InMemoryChannel

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Pushed:
    """Fixtures packed as ``mimeo push`` packs them."""

    versions: dict[str, str]
    archives: dict[str, bytes]


@pytest.fixture(scope="module")
def pushed(env_dir: Path) -> Pushed:
    builder = EnvironmentBuilder(env_dir)
    pushed = Pushed({}, {})
    for name in ("echo", "sleep-logs", "logs", "slow-setup", "outputs-path"):
        prepared = asyncio.run(prepare(FIXTURES / name, builder, lambda _line: None))
        version, archive = pack(FIXTURES / name, dumps(prepared.schema))
        pushed.versions[name] = version
        pushed.archives[version] = archive
    return pushed


@pytest.fixture
async def channel(pushed: Pushed) -> InMemoryChannel:
    return InMemoryChannel(pushed.archives)


@pytest.fixture
def version(pushed: Pushed) -> Callable[[str], str]:
    return pushed.versions.__getitem__


@pytest.fixture
def max_instances() -> int:
    """The director's pool size; a test that needs another parametrizes it."""
    return 2


@pytest.fixture
async def director(
    channel: InMemoryChannel, env_dir: Path, tmp_path: Path, max_instances: int
) -> AsyncIterator[Director]:
    pool = InstancePool(
        tmp_path,
        EnvironmentBuilder(env_dir),
        channel.archive,
        PoolLimits(max_instances=max_instances),
        [],
    )
    running = Director(channel, pool, drain_timeout=10.0)
    task = asyncio.create_task(running.run())
    yield running
    running.drain()
    await asyncio.wait_for(task, 60)


async def test_a_claimed_prediction_runs_and_its_outcome_is_reported(
    director: Director, channel: InMemoryChannel, version: Callable[[str], str]
) -> None:
    prediction = channel.queue(version("echo"), text="in process")

    ended = await channel.ended(prediction)

    assert isinstance(ended, Finished)
    assert ended.outcome.status == "succeeded"
    assert ended.outcome.output == "in process"
    assert ended.outcome.metrics["predict_time"] >= 0


@pytest.mark.parametrize("max_instances", [1])
async def test_an_instance_runs_the_next_prediction_while_the_last_outcome_is_on_its_way(
    director: Director, channel: InMemoryChannel, version: Callable[[str], str]
) -> None:
    first = channel.queue(version("echo"), text="first")
    channel.hold_outcome(first)
    second = channel.queue(version("echo"), text="second")

    try:
        ended = await channel.ended(second, timeout=30)
        outcomes = [r for r in channel.reports[first] if isinstance(r, Finished)]
    finally:
        channel.let_outcome_through(first)

    assert isinstance(ended, Finished)
    assert outcomes == []
    first_ended = await channel.ended(first)
    assert isinstance(first_ended, Finished)
    assert first_ended.outcome.output == "first"


async def test_a_full_pool_claims_only_what_it_can_place(
    director: Director, channel: InMemoryChannel, version: Callable[[str], str]
) -> None:
    """A claimed prediction takes its slot at once, so the next offer does not count that slot
    free again: more predictions than slots wait in the queue instead of being claimed and
    handed back (the channel hands out whatever is queued, so a stale offer shows)."""
    predictions = [channel.queue(version("echo"), text=str(n)) for n in range(4)]

    ended = [await channel.ended(prediction) for prediction in predictions]

    assert [type(report) for report in ended] == [Finished] * 4


async def test_a_running_prediction_reports_its_start_and_logs_before_its_outcome(
    director: Director, channel: InMemoryChannel, version: Callable[[str], str]
) -> None:
    prediction = channel.queue(version("sleep-logs"), seconds=1.5)

    await channel.ended(prediction)

    reports = channel.reports[prediction]
    progress = [r for r in reports if isinstance(r, Progress)]
    assert sum(r.started for r in progress) == 1
    assert any("sleeping 1.5 s" in r.logs for r in progress)
    assert "woke" in channel.logs(prediction)


async def test_a_report_the_api_did_not_take_is_sent_again_with_nothing_lost(
    director: Director, channel: InMemoryChannel, version: Callable[[str], str]
) -> None:
    channel.refuse_reports = 2
    prediction = channel.queue(version("logs"))

    ended = await channel.ended(prediction)

    assert isinstance(ended, Finished)
    logs = channel.logs(prediction)
    for line in ("stdout line 1", "stdout line 2", "stdout line 3", "stderr line 1"):
        assert logs.count(line) == 1


async def test_a_cancel_asked_while_running_ends_the_prediction_canceled(
    director: Director, channel: InMemoryChannel, version: Callable[[str], str]
) -> None:
    prediction = channel.queue(version("sleep-logs"), seconds=120)
    await channel.first_report(prediction)

    channel.cancel_requested.add(prediction)
    ended = await channel.ended(prediction)

    assert isinstance(ended, Finished)
    assert ended.outcome.status == "canceled"


async def test_draining_hands_back_a_prediction_still_waiting_for_its_cold_start(
    director: Director, channel: InMemoryChannel, version: Callable[[str], str]
) -> None:
    prediction = channel.queue(version("slow-setup"))
    await channel.first_report(prediction)

    director.drain()
    ended = await channel.ended(prediction, timeout=15)

    assert isinstance(ended, HandBack)


async def test_file_outputs_are_stored_through_the_channel_and_reported_as_references(
    director: Director, channel: InMemoryChannel, version: Callable[[str], str]
) -> None:
    prediction = channel.queue(version("outputs-path"))

    ended = await channel.ended(prediction)

    assert isinstance(ended, Finished)
    key = f"outputs/{prediction}/output.txt"
    assert ended.outcome.output == f"mimeo-blob:{key}"
    assert channel.outputs[key] == b"hello from outputs-path\n"
