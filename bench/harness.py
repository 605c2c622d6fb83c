"""Shared pieces of the benchmarks: a mimeo server in a subprocess and latency statistics."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from mimeo.runtime.environment import EnvironmentBuilder
from mimeo.runtime.instance import CogInstance
from mimeo.runtime.prepare import prepare

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "bench-token"


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


@contextmanager
def mimeo_process(
    env_dir: Path, extra_env: dict[str, str] | None = None
) -> Iterator[tuple[str, int]]:
    """``mimeo serve`` with no examples, a fresh data dir and a known token: its URL and pid."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="mimeo-bench-") as data_dir:
        env = {
            **os.environ,
            **(extra_env or {}),
            "MIMEO_BOOTSTRAP_TOKEN": TOKEN,
            "MIMEO_ENV_DIR": str(env_dir),
        }
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "mimeo",
                "serve",
                "--port",
                str(port),
                "--data-dir",
                data_dir,
                "--examples",
                "none",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{url}/health").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            yield url, process.pid
        finally:
            process.terminate()
            process.wait(30)


@contextmanager
def mimeo_server(env_dir: Path) -> Iterator[str]:
    with mimeo_process(env_dir) as (url, _):
        yield url


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
