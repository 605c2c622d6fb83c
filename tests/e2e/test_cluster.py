"""Cluster mode: an API-only ``mimeo serve --no-worker`` and a separate ``mimeo worker`` that
speaks the worker protocol over HTTP — on PostgreSQL when ``MIMEO_TEST_DATABASE_URL`` is set,
as a cluster would run, else on SQLite."""

from __future__ import annotations

import io
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import replicate
from replicate.stream import ServerSentEvent

from tests.conftest import FIXTURES, MimeoServer
from tests.e2e.conftest import api_server, start_worker
from tests.waiting import LogWatch

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def worker(
    api_only: MimeoServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[subprocess.Popen[bytes]]:
    process = start_worker(api_only, tmp_path_factory.mktemp("cluster-worker"))
    yield process
    process.terminate()
    process.wait(60)


def test_a_remote_worker_runs_predictions_over_http(
    api_only: MimeoServer, worker: subprocess.Popen[bytes]
) -> None:
    api_only.push(FIXTURES / "echo", "cluster/echo")
    client = replicate.Client(api_token=api_only.token, base_url=api_only.url)

    assert client.run("cluster/echo", input={"text": "over http"}) == "over http"
    client._client.close()


def test_a_remote_worker_reads_uploaded_inputs_and_stores_file_outputs_through_the_api(
    api_only: MimeoServer, worker: subprocess.Popen[bytes]
) -> None:
    api_only.push(FIXTURES / "all-inputs", "cluster/all-inputs")
    api_only.push(FIXTURES / "outputs-path", "cluster/outputs-path")
    client = replicate.Client(api_token=api_only.token, base_url=api_only.url)
    uploaded = client.files.create(io.BytesIO(b"twelve bytes"), filename="in.txt")

    summary: Any = client.run(
        "cluster/all-inputs", input={"prompt": "p", "path": uploaded.urls["get"]}
    )
    output: Any = client.run("cluster/outputs-path", input={})
    client._client.close()

    assert json.loads(summary)["path"] == {"length": 12}
    assert httpx.get(str(output)).content == b"hello from outputs-path\n"


def test_a_worker_with_a_wrong_token_is_refused(api_only: MimeoServer) -> None:
    with api_only.http(token="not-the-worker-token") as http:
        answer = http.post("/internal/v1/claim", json={"worker_id": "w", "wait_seconds": 0})

    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("application/problem+json")


def test_a_stopped_worker_exits_cleanly_on_sigterm(api_only: MimeoServer, tmp_path: Path) -> None:
    process = start_worker(api_only, tmp_path)
    LogWatch(tmp_path / "worker.log").wait_for("worker.ready")
    process.terminate()

    assert process.wait(45) == 0


@pytest.fixture(scope="module")
def second_api(
    tmp_path_factory: pytest.TempPathFactory, env_dir: Path, database_url: str
) -> Iterator[MimeoServer]:
    """A second API node on the same database; the worker reports to the first."""
    with api_server(tmp_path_factory.mktemp("second-api"), env_dir, database_url) as server:
        yield server


def test_a_client_of_one_api_node_runs_on_a_worker_of_another(
    api_only: MimeoServer, second_api: MimeoServer, worker: subprocess.Popen[bytes]
) -> None:
    api_only.push(FIXTURES / "echo", "cluster/echo")
    client = replicate.Client(api_token=second_api.token, base_url=second_api.url)

    assert client.run("cluster/echo", input={"text": "across nodes"}) == "across nodes"
    client._client.close()


def test_a_stream_through_one_api_node_carries_what_a_worker_reports_to_another(
    api_only: MimeoServer, second_api: MimeoServer, worker: subprocess.Popen[bytes]
) -> None:
    api_only.push(FIXTURES / "stream", "cluster/stream")
    client = replicate.Client(api_token=second_api.token, base_url=second_api.url)

    events = list(client.stream("cluster/stream", input={"n": 3, "delay": 0.2}))
    client._client.close()

    tokens = [str(e) for e in events if e.event == ServerSentEvent.EventType.OUTPUT]
    assert tokens == ["token0 ", "token1 ", "token2 "]
    assert events[-1].event == ServerSentEvent.EventType.DONE
