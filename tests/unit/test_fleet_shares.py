"""How the deployments' warm instances are shared across the fleet: ``min_instances`` holds
fleet-wide, on the workers that can run them, without moving what already runs."""

from __future__ import annotations

from datetime import UTC, datetime

from mimeo.core.fleet import share_warm_targets
from mimeo.core.protocol import InstanceReport, WarmTarget, WorkerStatus

VERSION = "a" * 64


def target(min_instances: int, hardware: str = "cpu", name: str = "alice/warm") -> WarmTarget:
    return WarmTarget(
        deployment=name,
        version=VERSION,
        hardware=hardware,
        min_instances=min_instances,
        max_instances=10,
    )


def worker(
    worker_id: str, hardware: tuple[str, ...] = ("cpu",), running: int = 0, capacity: int = 4
) -> WorkerStatus:
    instance = InstanceReport(
        version=VERSION,
        hardware="cpu",
        state="idle",
        since=datetime(2030, 1, 1, tzinfo=UTC),
        deployment="alice/warm",
    )
    return WorkerStatus(
        worker_id=worker_id,
        hardware=list(hardware),
        cpus=2,
        memory_bytes=2**30,
        gpus=0,
        max_instances=capacity,
        instances=[instance] * running,
    )


def counts(shares: dict[str, list[WarmTarget]]) -> dict[str, int]:
    return {w: sum(t.min_instances for t in targets) for w, targets in shares.items()}


def test_one_warm_instance_is_kept_by_exactly_one_of_three_workers() -> None:
    shares = share_warm_targets([target(1)], [worker("w1"), worker("w2"), worker("w3")])

    assert counts(shares) == {"w1": 1, "w2": 0, "w3": 0}


def test_the_worker_already_running_it_keeps_it() -> None:
    shares = share_warm_targets([target(1)], [worker("w1"), worker("w2", running=1)])

    assert counts(shares) == {"w1": 0, "w2": 1}


def test_several_instances_spread_over_the_least_loaded_workers() -> None:
    shares = share_warm_targets([target(3)], [worker("w1"), worker("w2")])

    assert counts(shares) == {"w1": 2, "w2": 1}


def test_a_gpu_deployment_goes_only_to_workers_with_that_gpu() -> None:
    shares = share_warm_targets(
        [target(1, hardware="gpu-t4")], [worker("cpu-only"), worker("t4", ("cpu", "gpu-t4"))]
    )

    assert counts(shares) == {"cpu-only": 0, "t4": 1}


def test_no_worker_is_given_more_than_it_can_run() -> None:
    shares = share_warm_targets([target(5)], [worker("w1", capacity=2), worker("w2", capacity=1)])

    assert counts(shares) == {"w1": 2, "w2": 1}


def test_every_worker_hears_only_its_own_share() -> None:
    shares = share_warm_targets(
        [target(1, name="alice/a"), target(1, name="alice/b")], [worker("w1"), worker("w2")]
    )

    assert [t.deployment for t in shares["w1"]] == ["alice/a"]
    assert [t.deployment for t in shares["w2"]] == ["alice/b"]
