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
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from replicate.training import Training

from tests.conftest import FIXTURES, running_server
from tests.e2e.conftest import api_server
from tests.e2e.crashes import (
    LEASE,
    RETRY_LOG,
    SETTLE_SECONDS,
    TERMINAL,
    Tracked,
    assert_no_orphans,
    kill_9,
    logs_of,
    model_processes,
    servers_and_workers,
    tracked,
    worker_node,
)
from tests.waiting import eventually

pytestmark = pytest.mark.slow
ONE_AT_A_TIME = {**LEASE, "MIMEO_MAX_INSTANCES": "1"}
"""A worker that runs one prediction at a time holds no lease on the queued ones."""


# --- predictions ---------------------------------------------------------------------------


# --- cluster: a worker killed mid-prediction -----------------------------------------------


@pytest.fixture(scope="module")
def cluster(
    tmp_path_factory: pytest.TempPathFactory, env_dir: Path, database_url: str
) -> Iterator[Tracked]:
    with api_server(tmp_path_factory.mktemp("crash-api"), env_dir, database_url, **LEASE) as server:
        server.push(FIXTURES / "sleep-logs", "crash/sleep")
        with tracked(server) as tracking:
            yield tracking


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
            eventually(
                lambda: cluster.get(doomed.id).status == "starting", "the requeue", SETTLE_SECONDS
            )

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


def test_a_training_whose_worker_is_killed_is_retried_and_its_version_runs_remotely(
    cluster: Tracked, tmp_path: Path
) -> None:
    """A training shares the prediction's lease: a worker killed under it gives it back to the
    queue, and a second worker trains it; the new version's weights reach that worker over
    HTTP (``/internal/v1/versions/{id}/weights``)."""
    trainer = cluster.server.push(FIXTURES / "trainer", "crash/trainer")
    client = cluster.client
    training = client.trainings.create(
        version=f"crash/trainer:{trainer}",
        input={"greeting": "again", "seconds": 2},
        destination="admin/crash-trained",
    )
    with worker_node(cluster.server, tmp_path / "trainer-1") as first:
        eventually(lambda: client.trainings.get(training.id).status == "processing", "it runs", 60)
        orphans = kill_9(first)
    with worker_node(cluster.server, tmp_path / "trainer-2"):

        def ended() -> Training | None:
            current = client.trainings.get(training.id)
            return current if current.status in TERMINAL else None

        done = eventually(ended, "the retried training ends", SETTLE_SECONDS)
        assert done.status == "succeeded", done.error
        assert (done.logs or "").count(RETRY_LOG) == 1
        assert done.output["version"].startswith("admin/crash-trained:")
        greeting = client.predictions.create(
            version=done.output["version"].split(":")[1], input={"name": "crash"}
        )
        cluster.created.append(greeting.id)
        assert cluster.wait_status(greeting.id, *TERMINAL).output == "again crash"
    assert_no_orphans(orphans)


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
