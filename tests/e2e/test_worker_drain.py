"""SIGTERM to a ``mimeo worker`` drains it: it stops claiming at once, lets running predictions
finish, and hands back what it cannot finish in time, so another worker runs it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import FIXTURES, MimeoServer, running_server
from tests.e2e.conftest import start_worker
from tests.waiting import LogWatch, eventually

pytestmark = pytest.mark.slow
TERMINAL = ("succeeded", "failed", "canceled")


@pytest.fixture(scope="module")
def sleep_version(api_only: MimeoServer) -> str:
    return api_only.push(FIXTURES / "sleep", "drain/sleep")


@pytest.fixture
def http(api_only: MimeoServer) -> Iterator[httpx.Client]:
    with api_only.http() as client:
        yield client


def create(http: httpx.Client, version: str, seconds: float) -> str:
    answer = http.post("/v1/predictions", json={"version": version, "input": {"seconds": seconds}})
    answer.raise_for_status()
    return str(answer.json()["id"])


def wait_for(http: httpx.Client, prediction_id: str, statuses: tuple[str, ...]) -> dict[str, Any]:
    def reached() -> dict[str, Any] | None:
        prediction: dict[str, Any] = http.get(f"/v1/predictions/{prediction_id}").json()
        return prediction if prediction["status"] in statuses else None

    return eventually(reached, f"{prediction_id} in {statuses}", 120)


def test_an_idle_worker_stops_at_once_on_sigterm(api_only: MimeoServer, tmp_path: Path) -> None:
    worker = start_worker(api_only, tmp_path)
    LogWatch(tmp_path / "worker.log").wait_for("worker.ready")

    began = time.monotonic()
    worker.terminate()

    assert worker.wait(60) == 0
    assert time.monotonic() - began < 10


def test_a_draining_worker_finishes_what_it_runs(
    api_only: MimeoServer, sleep_version: str, http: httpx.Client, tmp_path: Path
) -> None:
    worker = start_worker(api_only, tmp_path)
    prediction_id = create(http, sleep_version, 3)
    wait_for(http, prediction_id, ("processing", *TERMINAL))

    worker.terminate()

    assert worker.wait(60) == 0
    assert wait_for(http, prediction_id, TERMINAL)["status"] == "succeeded"


def test_a_prediction_that_outlasts_the_drain_is_handed_to_another_worker(
    api_only: MimeoServer, sleep_version: str, http: httpx.Client, tmp_path: Path
) -> None:
    (tmp_path / "first").mkdir()
    (tmp_path / "second").mkdir()
    first = start_worker(api_only, tmp_path / "first", MIMEO_DRAIN_TIMEOUT_SECONDS="1")
    prediction_id = create(http, sleep_version, 4)
    wait_for(http, prediction_id, ("processing", *TERMINAL))

    first.terminate()
    assert first.wait(60) == 0
    handed_back = http.get(f"/v1/predictions/{prediction_id}").json()
    second = start_worker(api_only, tmp_path / "second")
    try:
        ended = wait_for(http, prediction_id, TERMINAL)
    finally:
        second.terminate()
        second.wait(60)

    assert handed_back["status"] == "starting"
    assert ended["status"] == "succeeded"
    assert "queued again" in ended["logs"]


def test_a_prediction_waiting_for_a_cold_start_is_handed_back_at_once(
    api_only: MimeoServer, http: httpx.Client, tmp_path: Path
) -> None:
    version = api_only.push(FIXTURES / "slow-setup", "drain/slow-setup")
    worker = start_worker(api_only, tmp_path)
    answer = http.post("/v1/predictions", json={"version": version, "input": {}})
    prediction_id = answer.json()["id"]
    LogWatch(tmp_path / "worker.log").wait_for("instance.starting")  # its minute-long setup

    began = time.monotonic()
    worker.terminate()
    assert worker.wait(60) == 0
    handed_back = http.get(f"/v1/predictions/{prediction_id}").json()
    http.post(f"/v1/predictions/{prediction_id}/cancel")

    assert time.monotonic() - began < 15
    assert handed_back["status"] == "starting"
    assert "queued again" in handed_back["logs"]


def test_stopping_mimeo_serve_lets_a_running_prediction_finish(
    tmp_path: Path, env_dir: Path
) -> None:
    with running_server(tmp_path, env_dir, "--examples", "none") as server:
        version = server.push(FIXTURES / "sleep", "drain/sleep")
        with server.http() as http:
            prediction_id = create(http, version, 3)
            wait_for(http, prediction_id, ("processing", *TERMINAL))
        server.process.terminate()
        assert server.process.wait(60) == 0
    with (
        running_server(tmp_path, env_dir, "--examples", "none") as restarted,
        restarted.http() as http,
    ):
        ended = http.get(f"/v1/predictions/{prediction_id}").json()

    assert ended["status"] == "succeeded"
    assert "retrying" not in ended["logs"]
