"""Cluster mode: an API-only ``mimeo serve --no-worker`` and a separate ``mimeo worker`` that
speaks the worker protocol over HTTP — on PostgreSQL when ``MIMEO_TEST_DATABASE_URL`` is set,
as a cluster would run, else on SQLite."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import replicate

from tests.conftest import FIXTURES, MimeoServer, running_server
from tests.databases import create_database, drop_database

pytestmark = pytest.mark.slow
WORKER_TOKEN = "cluster-worker-token"


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = os.environ.get("MIMEO_TEST_DATABASE_URL")
    if not server:
        yield f"sqlite:///{tmp_path_factory.mktemp('cluster-db') / 'mimeo.db'}"
        return
    name = f"mimeo_cluster_{uuid.uuid4().hex}"
    url = asyncio.run(create_database(server, name))
    try:
        yield url
    finally:
        asyncio.run(drop_database(server, name))


@pytest.fixture(scope="module")
def api_only(
    tmp_path_factory: pytest.TempPathFactory, env_dir: Path, database_url: str
) -> Iterator[MimeoServer]:
    with running_server(
        tmp_path_factory.mktemp("cluster-api"),
        env_dir,
        "--no-worker",
        "--examples",
        "none",
        MIMEO_WORKER_TOKEN=WORKER_TOKEN,
        MIMEO_DATABASE_URL=database_url,
    ) as server:
        yield server


def start_worker(api: MimeoServer, data_dir: Path) -> subprocess.Popen[bytes]:
    """A worker node: its own data dir, no database, only the API's URL and worker token."""
    env = {**api.env, "MIMEO_DATA_DIR": str(data_dir)}
    env.pop("MIMEO_DATABASE_URL")
    with (data_dir / "worker.log").open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "mimeo", "worker", "--server", api.url, "--token", WORKER_TOKEN],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


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

    summary = client.run("cluster/all-inputs", input={"prompt": "p", "path": uploaded.urls["get"]})
    output = client.run("cluster/outputs-path", input={})
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
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(3)
    process.terminate()

    assert process.wait(45) == 0
