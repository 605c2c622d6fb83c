"""The fleet registry with three workers on one API node: each worker is seen with its
hardware and instances (``GET /v1/admin/workers``, ``mimeo workers``), and a deployment's
``min_instances: 1`` is kept by exactly one instance across the fleet, not one per worker."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
import replicate

from tests.conftest import FIXTURES, MimeoServer
from tests.e2e.conftest import WORKER_TOKEN, start_worker
from tests.waiting import eventually

pytestmark = pytest.mark.slow
WORKERS = 3
HEARD_WITHIN_SECONDS = 60.0


@pytest.fixture(scope="module")
def fleet(
    api_only: MimeoServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[subprocess.Popen[bytes]]]:
    workers = [
        start_worker(api_only, tmp_path_factory.mktemp(f"fleet-worker-{n}")) for n in range(WORKERS)
    ]
    yield workers
    for worker in workers:
        worker.terminate()
    for worker in workers:
        worker.wait(60)


def registry(api: MimeoServer) -> list[dict[str, Any]]:
    with api.http(token=WORKER_TOKEN) as http:
        answer = http.get("/v1/admin/workers")
    answer.raise_for_status()
    results: list[dict[str, Any]] = answer.json()["results"]
    return results


def all_registered(api: MimeoServer) -> list[dict[str, Any]] | None:
    workers = registry(api)
    return workers if len(workers) == WORKERS else None


def test_every_worker_is_registered_with_its_hardware(
    api_only: MimeoServer, fleet: list[subprocess.Popen[bytes]]
) -> None:
    workers = eventually(
        lambda: all_registered(api_only), "three workers registered", HEARD_WITHIN_SECONDS
    )

    assert all("cpu" in worker["hardware"] for worker in workers)
    assert all(worker["cpus"] >= 1 for worker in workers)


def test_mimeo_workers_shows_the_fleet_as_a_table(
    api_only: MimeoServer, fleet: list[subprocess.Popen[bytes]]
) -> None:
    workers = eventually(
        lambda: all_registered(api_only), "three workers registered", HEARD_WITHIN_SECONDS
    )

    shown = subprocess.run(
        [sys.executable, "-m", "mimeo", "workers", "--server", api_only.url],
        env={**api_only.env, "MIMEO_WORKER_TOKEN": WORKER_TOKEN, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    for worker in workers:
        assert worker["id"] in shown.stdout


def warm_instances(api: MimeoServer, deployment: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (worker["id"], instance)
        for worker in registry(api)
        for instance in worker["instances"]
        if instance["deployment"] == deployment
    ]


def test_min_instances_one_is_kept_by_exactly_one_instance_across_the_fleet(
    api_only: MimeoServer, fleet: list[subprocess.Popen[bytes]]
) -> None:
    eventually(lambda: all_registered(api_only), "three workers registered", HEARD_WITHIN_SECONDS)
    version = api_only.push(FIXTURES / "echo", "fleet/registry-echo")
    client = replicate.Client(api_token=api_only.token, base_url=api_only.url)
    deployment = client.deployments.create(
        name="registry-echo",
        model="fleet/registry-echo",
        version=version,
        hardware="cpu",
        min_instances=1,
        max_instances=1,
    )
    client._client.close()
    name = f"{deployment.owner}/{deployment.name}"

    eventually(
        lambda: any(i["state"] == "idle" for _w, i in warm_instances(api_only, name)),
        "a warm instance ready",
        HEARD_WITHIN_SECONDS * 2,
    )
    seen = datetime.now().astimezone()
    eventually(
        lambda: all(
            datetime.fromisoformat(w["heartbeat_at"].replace("Z", "+00:00")) > seen
            for w in registry(api_only)
        ),
        "every worker heard again",
        HEARD_WITHIN_SECONDS,
    )

    assert len(warm_instances(api_only, name)) == 1
