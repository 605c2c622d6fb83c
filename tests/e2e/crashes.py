"""What the crash tests share: the process table, a tracked set of predictions through the
official client, worker nodes that are killed or drained, and the checks that follow a kill."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import replicate
from replicate.pagination import paginate
from replicate.prediction import Prediction

from tests.conftest import MimeoServer
from tests.e2e.conftest import start_worker
from tests.waiting import eventually

LEASE = {"MIMEO_LEASE_SECONDS": "3"}
"""Short leases, so the API's sweeper acts on a dead worker in seconds."""
RETRY_LOG = "the worker stopped responding; retrying on another instance"
SETTLE_SECONDS = 90.0
TERMINAL = {"succeeded", "failed", "canceled"}


# --- processes -----------------------------------------------------------------------------


def process_table() -> dict[int, tuple[int, str]]:
    """Every live process: pid -> (parent pid, command line). Zombies count as gone."""
    table: dict[int, tuple[int, str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except OSError:
            continue
        state, parent = stat.rsplit(")", 1)[1].split()[:2]
        if state != "Z":
            table[int(entry.name)] = (int(parent), command)
    return table


def model_processes(root: int) -> dict[int, str]:
    """The Cog servers (``cog.server.http``) and their Python workers started under ``root``."""
    table = process_table()
    found: dict[int, str] = {}
    frontier = [root]
    while frontier:
        parent = frontier.pop()
        for pid, (ppid, command) in table.items():
            if ppid == parent and pid not in found:
                found[pid] = command
                frontier.append(pid)
    return {pid: cmd for pid, cmd in found.items() if "cog.server.http" in cmd or "coglet" in cmd}


def servers_and_workers(processes: dict[int, str]) -> tuple[list[int], list[int]]:
    """The Cog server itself, not the guard or the bubblewrap box that start it."""
    servers = [
        pid
        for pid, cmd in processes.items()
        if "cog.server.http" in cmd
        and "mimeo.runtime.guard" not in cmd
        and not cmd.split()[0].endswith("bwrap")
    ]
    workers = [pid for pid, cmd in processes.items() if "_run_worker" in cmd]
    return servers, workers


def still_running(pids: list[int]) -> list[int]:
    table = process_table()
    return [pid for pid in pids if pid in table]


def kill_leftovers(pids: list[int]) -> None:
    """Clean up after a leak the test is about to report, so it does not outlive the test."""
    for pid in still_running(pids):
        os.kill(pid, signal.SIGKILL)


@dataclass
class Tracked:
    """A server, the official client on it, and every prediction created through it."""

    server: MimeoServer
    client: replicate.Client
    created: list[str] = field(default_factory=list)

    def create(self, model: str, seconds: float) -> Prediction:
        prediction = self.client.models.predictions.create(model, input={"seconds": seconds})
        self.created.append(prediction.id)
        return prediction

    def get(self, prediction_id: str) -> Prediction:
        return self.client.predictions.get(prediction_id)

    def wait_status(self, prediction_id: str, *statuses: str) -> Prediction:
        def reached() -> Prediction | None:
            current = self.get(prediction_id)
            return current if current.status in statuses else None

        return eventually(reached, f"{prediction_id} in {statuses}", SETTLE_SECONDS)

    def settled(self) -> dict[str, Prediction]:
        """Wait until every created prediction is terminal; then the list endpoint must show
        exactly those, none in ``starting`` or ``processing``."""
        for prediction_id in self.created:
            self.wait_status(prediction_id, *TERMINAL)
        listed = [p for page in paginate(self.client.predictions.list) for p in page]
        assert sorted(p.id for p in listed) == sorted(self.created)
        assert [p.id for p in listed if p.status not in TERMINAL] == []
        return {p.id: self.get(p.id) for p in listed}


@contextmanager
def tracked(server: MimeoServer, created: list[str] | None = None) -> Iterator[Tracked]:
    client = replicate.Client(api_token=server.token, base_url=server.url)
    try:
        yield Tracked(server, client, created if created is not None else [])
    finally:
        client._client.close()


@contextmanager
def worker_node(
    api: MimeoServer, data_dir: Path, max_instances: int = 1, drain: bool = True
) -> Iterator[subprocess.Popen[bytes]]:
    """A ``mimeo worker`` with its own data dir; stopped at the end unless the test killed it,
    with SIGTERM (it drains), or SIGKILL when ``drain`` is off
    (only when nothing more is created on this server: see the next-to-last test); any model
    process it left behind is killed then."""
    data_dir.mkdir(parents=True, exist_ok=True)
    process = start_worker(api, data_dir, "--max-instances", str(max_instances))
    seen: set[int] = set()
    try:
        yield process
    finally:
        seen.update(model_processes(process.pid))
        if process.poll() is None and not drain:
            process.kill()
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        kill_leftovers(sorted(seen))


def kill_9(process: subprocess.Popen[bytes]) -> list[int]:
    """SIGKILL ``process``; returns the model processes it had started."""
    left = sorted(model_processes(process.pid))
    process.kill()
    process.wait()
    return left


def assert_no_orphans(pids: list[int]) -> None:
    """Model processes must not outlive the process that started them (they hold GPUs)."""
    try:
        eventually(lambda: not still_running(pids), f"model processes {pids} to exit", 10)
    finally:
        kill_leftovers(pids)


def logs_of(prediction: Prediction) -> str:
    return prediction.logs or ""
