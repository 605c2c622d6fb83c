"""What the cluster-mode tests share: an API-only server on its own database, and workers
that join it over HTTP."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import MimeoServer, running_server
from tests.databases import create_database, drop_database

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


@contextmanager
def api_server(
    data_dir: Path, env_dir: Path, database_url: str, **env: str
) -> Iterator[MimeoServer]:
    """An API-only node (``--no-worker``) that workers join with ``WORKER_TOKEN``."""
    with running_server(
        data_dir,
        env_dir,
        "--no-worker",
        "--examples",
        "none",
        MIMEO_WORKER_TOKEN=WORKER_TOKEN,
        MIMEO_DATABASE_URL=database_url,
        **env,
    ) as server:
        yield server


@pytest.fixture(scope="module")
def api_only(
    tmp_path_factory: pytest.TempPathFactory, env_dir: Path, database_url: str
) -> Iterator[MimeoServer]:
    with api_server(tmp_path_factory.mktemp("cluster-api"), env_dir, database_url) as server:
        yield server


def start_worker(
    api: MimeoServer, data_dir: Path, *args: str, **extra_env: str
) -> subprocess.Popen[bytes]:
    """A worker node: its own data dir, no database, only the API's URL and worker token."""
    env = {**api.env, "MIMEO_DATA_DIR": str(data_dir), **extra_env}
    env.pop("MIMEO_DATABASE_URL")
    with (data_dir / "worker.log").open("wb") as out:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "mimeo",
                "worker",
                "--server",
                api.url,
                "--token",
                WORKER_TOKEN,
                *args,
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
