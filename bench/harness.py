"""Shared pieces of the benchmarks: a mimeo node in subprocesses and latency statistics.

A node is embedded (``mimeo serve``: API and worker in one process, SQLite) or, with
``cluster=True``, laid out as a cluster runs: PostgreSQL (a fresh database on the server named
by ``MIMEO_TEST_DATABASE_URL``), an API-only ``mimeo serve --no-worker`` and a separate
``mimeo worker`` that speaks to it over HTTP.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx

from mimeo.runtime.environment import EnvironmentBuilder
from mimeo.runtime.instance import CogInstance
from mimeo.runtime.prepare import prepare

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "bench-token"
WORKER_TOKEN = "bench-worker-token"
POSTGRES = "MIMEO_TEST_DATABASE_URL"
T = TypeVar("T")


@dataclass(frozen=True)
class Latency:
    samples: list[float]

    def percentile(self, q: float) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def p99(self) -> float:
        return self.percentile(99)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Node:
    url: str
    api_pid: int
    """The process that answers the API (and runs the worker too when embedded)."""
    worker_pid: int
    """The process whose children are the Cog servers."""


def _mimeo(
    args: list[str], env: dict[str, str], log: Path | None = None
) -> subprocess.Popen[bytes]:
    out = subprocess.DEVNULL if log is None else log.open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "mimeo", *args], env=env, stdout=out, stderr=subprocess.STDOUT
    )


@contextmanager
def _stopped_at_exit(process: subprocess.Popen[bytes]) -> Iterator[subprocess.Popen[bytes]]:
    try:
        yield process
    finally:
        process.terminate()
        process.wait(30)


def _wait_healthy(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"mimeo did not answer at {url}")


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to its end from sync code, even inside a running event loop."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh database on the server named by ``MIMEO_TEST_DATABASE_URL``, dropped after."""
    server = os.environ.get(POSTGRES)
    if not server:
        raise SystemExit(f"cluster mode needs PostgreSQL: set {POSTGRES}")
    sys.path.insert(0, str(ROOT))  # the test suite's helpers for its own databases
    from tests.databases import create_database, drop_database

    name = f"mimeo_bench_{uuid.uuid4().hex[:12]}"
    url = run_async(create_database(server, name))
    try:
        yield url
    finally:
        run_async(drop_database(server, name))


@contextmanager
def mimeo_node(
    env_dir: Path, extra_env: dict[str, str] | None = None, *, cluster: bool = False
) -> Iterator[Node]:
    """A node with no examples, fresh data dirs and known tokens; ``extra_env`` reaches the
    process that runs the worker."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="mimeo-bench-") as data_dir, ExitStack() as stack:
        env = {
            **os.environ,
            "MIMEO_BOOTSTRAP_TOKEN": TOKEN,
            "MIMEO_ENV_DIR": str(env_dir),
            "MIMEO_WORKER_TOKEN": WORKER_TOKEN,
            # The per-token pace (50/s by default) would be what is measured: every bench sends
            # with one token, and past the burst each create is held ~20 ms for its turn.
            "MIMEO_RATE_LIMIT_PREDICTIONS_PER_SECOND": "0",
        }
        serve = ["serve", "--port", str(port), "--data-dir", data_dir, "--examples", "none"]
        if not cluster:
            api = stack.enter_context(_stopped_at_exit(_mimeo(serve, {**env, **(extra_env or {})})))
            _wait_healthy(url)
            yield Node(url, api.pid, api.pid)
            return
        database = stack.enter_context(postgres_database())
        api_env = {**env, "MIMEO_DATABASE_URL": database}
        api = stack.enter_context(_stopped_at_exit(_mimeo([*serve, "--no-worker"], api_env)))
        _wait_healthy(url)
        worker_dir = Path(data_dir) / "worker"
        worker_dir.mkdir()
        worker_env = {**env, **(extra_env or {}), "MIMEO_DATA_DIR": str(worker_dir)}
        worker = stack.enter_context(
            _stopped_at_exit(
                _mimeo(["worker", "--server", url, "--token", WORKER_TOKEN], worker_env)
            )
        )
        yield Node(url, api.pid, worker.pid)


@contextmanager
def mimeo_process(
    env_dir: Path, extra_env: dict[str, str] | None = None
) -> Iterator[tuple[str, int]]:
    """``mimeo serve`` with no examples, a fresh data dir and a known token: its URL and pid."""
    with mimeo_node(env_dir, extra_env) as node:
        yield node.url, node.api_pid


@contextmanager
def mimeo_server(env_dir: Path, *, cluster: bool = False) -> Iterator[str]:
    with mimeo_node(env_dir, cluster=cluster) as node:
        yield node.url


def mode(cluster: bool) -> str:
    return (
        "cluster (PostgreSQL, API and worker over HTTP)"
        if cluster
        else "embedded (SQLite, one process)"
    )


def cpu_seconds(pid: int) -> float:
    """User and system CPU time process ``pid`` has used so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cog_servers_under(pid: int) -> int:
    """How many Cog servers (``python -m cog.server.http``) run below process ``pid`` (Linux)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, pending = 0, list(children.get(pid, []))
    while pending:
        child = pending.pop()
        try:
            command = (Path("/proc") / str(child) / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        found += b"cog.server.http" in command
        pending.extend(children.get(child, []))
    return found


def push(url: str, model_dir: Path, model: str, env_dir: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "mimeo",
            "push",
            str(model_dir),
            "--model",
            model,
            "--server",
            url,
            "--token",
            TOKEN,
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "MIMEO_ENV_DIR": str(env_dir)},
    )


async def start_bare_cog(model_dir: Path, env_dir: Path) -> CogInstance:
    """The baseline: the model's own Cog server, built and started as mimeo's worker would."""
    prepared = await prepare(model_dir, EnvironmentBuilder(env_dir))
    assert prepared.config.predict
    instance = CogInstance(
        model_dir, prepared.environment, prepared.config.predict, model_dir / "cog.log"
    )
    await instance.start()
    return instance
