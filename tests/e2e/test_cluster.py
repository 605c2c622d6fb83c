"""Cluster mode: an API-only ``mimeo serve --no-worker`` and a separate ``mimeo worker`` that
speaks the worker protocol over HTTP — on PostgreSQL when ``MIMEO_TEST_DATABASE_URL`` is set,
as a cluster would run, else on SQLite."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import replicate

from tests.conftest import FIXTURES, TOKEN, MimeoServer, free_port, wait_until_healthy
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
    data_dir = tmp_path_factory.mktemp("cluster-api")
    port = free_port()
    env = {
        **os.environ,
        "MIMEO_BOOTSTRAP_TOKEN": TOKEN,
        "MIMEO_WORKER_TOKEN": WORKER_TOKEN,
        "MIMEO_DATABASE_URL": database_url,
        "MIMEO_ENV_DIR": str(env_dir),
        "MIMEO_DATA_DIR": str(data_dir),
    }
    log = data_dir / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "mimeo",
                "serve",
                "--port",
                str(port),
                "--no-worker",
                "--examples",
                "none",
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process, log)
        yield MimeoServer(url, TOKEN, data_dir, env, process, log)
    finally:
        process.terminate()
        process.wait(30)


@pytest.fixture(scope="module")
def worker(
    api_only: MimeoServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[subprocess.Popen[bytes]]:
    data_dir = tmp_path_factory.mktemp("cluster-worker")
    env = {**api_only.env, "MIMEO_DATA_DIR": str(data_dir)}
    env.pop("MIMEO_DATABASE_URL")
    with (data_dir / "worker.log").open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "mimeo",
                "worker",
                "--server",
                api_only.url,
                "--token",
                WORKER_TOKEN,
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
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


def test_a_worker_with_a_wrong_token_is_refused(api_only: MimeoServer) -> None:
    with api_only.http(token="not-the-worker-token") as http:
        answer = http.post("/internal/v1/claim", json={"worker_id": "w", "wait_seconds": 0})

    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("application/problem+json")


def test_a_stopped_worker_exits_cleanly_on_sigterm(api_only: MimeoServer, tmp_path: Path) -> None:
    env = {**api_only.env, "MIMEO_DATA_DIR": str(tmp_path)}
    env.pop("MIMEO_DATABASE_URL")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mimeo",
            "worker",
            "--server",
            api_only.url,
            "--token",
            WORKER_TOKEN,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(3)
    process.terminate()

    assert process.wait(45) == 0
