"""A crash never loses an accepted prediction and never leaves one stuck in ``processing``.

Real processes, killed with SIGKILL: a ``mimeo worker`` in cluster mode (PostgreSQL), the model
server of an instance and its Python worker, and an embedded ``mimeo serve``. Every prediction
then ends terminal (retried once on another worker, or failed with a clear error), listing all
predictions shows as many as were created, and no model process outlives the process that
started it. Leases are short (``MIMEO_LEASE_SECONDS``) so the API's sweeper acts in seconds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import replicate
from replicate.pagination import paginate
from replicate.prediction import Prediction

from tests.conftest import FIXTURES, MimeoServer, running_server
from tests.e2e.conftest import api_server, start_worker

pytestmark = pytest.mark.slow
LEASE = {"MIMEO_LEASE_SECONDS": "3"}
ONE_AT_A_TIME = {**LEASE, "MIMEO_MAX_INSTANCES": "1"}
"""A worker that runs one prediction at a time holds no lease on the queued ones."""
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


def eventually(check: Callable[[], bool], what: str, timeout: float = SETTLE_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f} s: {what}")
        time.sleep(0.1)


def kill_leftovers(pids: list[int]) -> None:
    """Clean up after a leak the test is about to report, so it does not outlive the test."""
    for pid in still_running(pids):
        os.kill(pid, signal.SIGKILL)


# --- predictions ---------------------------------------------------------------------------


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
        latest: list[Prediction] = []

        def reached() -> bool:
            latest[:] = [self.get(prediction_id)]
            return latest[0].status in statuses

        eventually(reached, f"{prediction_id} in {statuses} (last: {latest and latest[0].status})")
        return latest[0]

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


# --- cluster: a worker killed mid-prediction -----------------------------------------------


@pytest.fixture(scope="module")
def cluster(
    tmp_path_factory: pytest.TempPathFactory, env_dir: Path, database_url: str
) -> Iterator[Tracked]:
    with api_server(tmp_path_factory.mktemp("crash-api"), env_dir, database_url, **LEASE) as server:
        server.push(FIXTURES / "sleep-logs", "crash/sleep")
        with tracked(server) as tracking:
            yield tracking


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


def test_a_prediction_whose_worker_dies_twice_fails_with_a_clear_error(
    cluster: Tracked, tmp_path: Path
) -> None:
    doomed = cluster.create("crash/sleep", 60)
    orphans: list[int] = []
    for attempt in (1, 2):
        with worker_node(cluster.server, tmp_path / f"worker-{attempt}") as worker:
            cluster.wait_status(doomed.id, "processing")
            eventually(
                lambda: "sleeping" in logs_of(cluster.get(doomed.id)), "the model to log", 30
            )
            orphans += kill_9(worker)
        if attempt == 1:
            eventually(lambda: cluster.get(doomed.id).status == "starting", "the requeue")

    failed = cluster.wait_status(doomed.id, *TERMINAL)
    assert failed.status == "failed"
    assert failed.error is not None
    assert "stopped responding 2 times" in failed.error
    assert logs_of(failed).count(RETRY_LOG) == 1
    assert logs_of(failed).count("sleeping") == 2
    cluster.settled()
    assert_no_orphans(orphans)


def test_a_killed_worker_s_predictions_are_retried_once_and_queued_ones_just_run(
    cluster: Tracked, tmp_path: Path
) -> None:
    running = [cluster.create("crash/sleep", 6) for _ in range(2)]
    queued = [cluster.create("crash/sleep", 0.2) for _ in range(3)]
    with worker_node(cluster.server, tmp_path / "first", max_instances=2) as first:
        for prediction in running:
            cluster.wait_status(prediction.id, "processing")
        orphans = kill_9(first)
    assert len(orphans) >= 2

    with worker_node(cluster.server, tmp_path / "second", max_instances=2):
        final = cluster.settled()
        assert_no_orphans(orphans)

    for prediction in running:
        retried = final[prediction.id]
        assert (retried.status, retried.output) == ("succeeded", "slept")
        logs = logs_of(retried)
        assert logs.count(RETRY_LOG) == 1
        assert logs.count("sleeping") == 2
        assert logs.index(RETRY_LOG) < logs.rindex("sleeping") < logs.index("woke")
    for prediction in queued:
        ran = final[prediction.id]
        assert (ran.status, ran.output) == ("succeeded", "slept")
        assert RETRY_LOG not in logs_of(ran)
        assert logs_of(ran).count("sleeping") == 1


def test_a_worker_killed_while_waiting_for_work_takes_no_prediction_with_it(
    cluster: Tracked, tmp_path: Path
) -> None:
    """Last of the cluster tests: its idle workers end by SIGKILL."""
    with worker_node(cluster.server, tmp_path / "idle") as idle:
        warm_up = cluster.create("crash/sleep", 0)
        cluster.wait_status(warm_up.id, "succeeded")
        time.sleep(1)  # nothing to observe: the worker is back in its long-poll claim
        kill_9(idle)
    victim = cluster.create("crash/sleep", 0)
    with worker_node(cluster.server, tmp_path / "next", drain=False):
        ran = cluster.wait_status(victim.id, *TERMINAL)
        cluster.settled()

    assert ran.status == "succeeded"
    assert RETRY_LOG not in logs_of(ran)


# --- embedded: the model process killed, the server killed ---------------------------------


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory, env_dir: Path) -> Iterator[Tracked]:
    data_dir = tmp_path_factory.mktemp("crash-embedded")
    with running_server(data_dir, env_dir, "--examples", "none", **LEASE) as server:
        server.push(FIXTURES / "sleep-logs", "crash/sleep")
        with tracked(server) as tracking:
            yield tracking


@pytest.mark.parametrize("victim", ["cog.server.http", "python worker"])
def test_a_killed_model_process_fails_its_prediction_and_the_next_one_gets_a_new_instance(
    embedded: Tracked, victim: str
) -> None:
    doomed = embedded.create("crash/sleep", 60)
    embedded.wait_status(doomed.id, "processing")
    eventually(lambda: "sleeping" in logs_of(embedded.get(doomed.id)), "the model to log", 30)
    before = model_processes(embedded.server.process.pid)
    servers, workers = servers_and_workers(before)
    assert len(servers) == len(workers) == 1
    os.kill((servers if victim == "cog.server.http" else workers)[0], signal.SIGKILL)

    failed = embedded.wait_status(doomed.id, *TERMINAL)
    assert failed.status == "failed"
    assert failed.error
    assert "sleeping 60" in logs_of(failed)
    assert_no_orphans(sorted(before))

    after = embedded.create("crash/sleep", 0.1)
    assert embedded.wait_status(after.id, *TERMINAL).status == "succeeded"
    assert not set(model_processes(embedded.server.process.pid)) & set(before)
    embedded.settled()


def test_a_server_killed_with_predictions_queued_and_running_loses_none(
    tmp_path: Path, env_dir: Path
) -> None:
    created: list[str] = []
    with (
        running_server(tmp_path, env_dir, "--examples", "none", **ONE_AT_A_TIME) as first,
        tracked(first, created) as before,
    ):
        first.push(FIXTURES / "sleep-logs", "crash/sleep")
        running = before.create("crash/sleep", 3)
        queued = [before.create("crash/sleep", 0.2) for _ in range(3)]
        before.wait_status(running.id, "processing")
        orphans = sorted(model_processes(first.process.pid))
        first.process.kill()
        first.process.wait()
    assert orphans
    assert_no_orphans(orphans)

    with (
        running_server(tmp_path, env_dir, "--examples", "none", **ONE_AT_A_TIME) as second,
        tracked(second, created) as after,
    ):
        final = after.settled()

    retried = final[running.id]
    assert (retried.status, retried.output) == ("succeeded", "slept")
    assert logs_of(retried).count(RETRY_LOG) == 1
    for prediction in queued:
        ran = final[prediction.id]
        assert (ran.status, ran.output) == ("succeeded", "slept")
        assert RETRY_LOG not in logs_of(ran)
