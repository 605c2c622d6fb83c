"""What a worker's pool offers to take, and where it places a new instance: free slots on live
instances, room under the instance limit (made by stopping idle instances), free GPUs."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest

from mimeo.core.protocol import WarmSlot, WarmTarget
from mimeo.core.worker_limits import PoolLimits
from mimeo.runtime.environment import EnvironmentBuilder
from mimeo.runtime.instance import CogInstance
from mimeo.worker.hardware import Gpu
from mimeo.worker.pool import Instance, InstancePool, NoCapacity

T4 = Gpu(0, "Tesla T4", 15360)


class RunningServer:
    """Stands in for a started Cog server: alive until stopped."""

    alive = True

    async def stop(self, grace_seconds: float = 5.0) -> None:
        self.alive = False


async def no_archive(version: str) -> bytes:
    raise AssertionError("placement tests start no instance")


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


def make_pool(tmp_path: Path, max_instances: int = 2, gpus: tuple[Gpu, ...] = ()) -> InstancePool:
    builder = EnvironmentBuilder(tmp_path / "envs")
    return InstancePool(tmp_path, builder, no_archive, PoolLimits(max_instances), gpus)


def running(
    loop: asyncio.AbstractEventLoop, version: str, *, active: int = 0, **fields: Any
) -> Instance:
    hardware = fields.pop("hardware", "cpu")
    devices = fields.pop("devices", ())
    instance = Instance(version, hardware, devices, active=active, **fields)
    instance.server = cast(CogInstance, RunningServer())
    started: asyncio.Future[float] = loop.create_future()
    started.set_result(0.0)
    instance.starting = cast("asyncio.Task[float]", started)
    return instance


def test_an_empty_pool_offers_to_start_anything_it_has_hardware_for(tmp_path: Path) -> None:
    offer = make_pool(tmp_path, gpus=(T4,)).offer()

    assert (offer.warm, offer.startable_hardware) == ([], ["cpu", "gpu-t4"])


def test_a_busy_instance_with_room_is_offered_as_a_warm_slot(
    tmp_path: Path, loop: asyncio.AbstractEventLoop
) -> None:
    pool = make_pool(tmp_path, max_instances=1)
    pool.instances.append(running(loop, "v1", active=1, capacity=2))

    offer = pool.offer()

    assert offer.warm == [WarmSlot(version="v1", hardware="cpu")]
    assert offer.startable_hardware == []


def test_a_full_pool_of_busy_instances_offers_nothing(
    tmp_path: Path, loop: asyncio.AbstractEventLoop
) -> None:
    pool = make_pool(tmp_path, max_instances=1)
    pool.instances.append(running(loop, "v1", active=1))

    assert pool.offer().empty


def test_an_idle_instance_makes_room_for_another_version(
    tmp_path: Path, loop: asyncio.AbstractEventLoop
) -> None:
    pool = make_pool(tmp_path, max_instances=1)
    pool.instances.append(running(loop, "v1"))

    assert pool.offer().startable_hardware == ["cpu"]


def test_an_instance_kept_warm_for_a_deployment_is_not_stopped_to_make_room(
    tmp_path: Path, loop: asyncio.AbstractEventLoop
) -> None:
    pool = make_pool(tmp_path, max_instances=1)
    pool.instances.append(running(loop, "v1", kept_warm_for="alice/prod"))

    assert pool.offer().startable_hardware == []
    with pytest.raises(NoCapacity):
        pool.assign("v2", "cpu")


def test_a_gpu_in_use_cannot_be_offered_again(
    tmp_path: Path, loop: asyncio.AbstractEventLoop
) -> None:
    pool = make_pool(tmp_path, max_instances=4, gpus=(T4,))
    busy = running(loop, "v1", active=1, hardware="gpu-t4", devices=(0,))
    pool.instances.append(busy)

    assert pool.offer().startable_hardware == ["cpu"]


def test_an_assigned_prediction_fills_a_free_slot_before_starting_an_instance(
    tmp_path: Path, loop: asyncio.AbstractEventLoop
) -> None:
    pool = make_pool(tmp_path)
    instance = running(loop, "v1", active=1, capacity=2)
    pool.instances.append(instance)

    assert pool.assign("v1", "cpu") is instance
    assert instance.active == 2


def test_instances_get_a_share_of_the_cores_unless_the_operator_set_threads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    builder = EnvironmentBuilder(tmp_path / "envs")
    limits = PoolLimits(max_instances=2, threads_per_instance=1)
    monkeypatch.setenv("MKL_NUM_THREADS", "8")
    pool = InstancePool(tmp_path, builder, no_archive, limits)

    assert pool._thread_limits() == {
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "8",
        "OPENBLAS_NUM_THREADS": "1",
    }


async def test_deployments_never_hold_the_last_slot_an_on_demand_model_needs(
    tmp_path: Path,
) -> None:
    never = asyncio.Event()

    async def archive_never_arrives(version: str) -> bytes:
        await never.wait()
        raise AssertionError("unreachable")

    pool = InstancePool(
        tmp_path, EnvironmentBuilder(tmp_path / "envs"), archive_never_arrives, PoolLimits(3)
    )
    greedy = WarmTarget(
        deployment="a/greedy",
        version="v1",
        hardware="cpu",
        min_instances=10**6,
        max_instances=10**6,
    )

    pool.keep_warm([greedy])

    assert len(pool.instances) == 2
    assert pool.offer().startable_hardware == ["cpu"]
    await pool.close()


def test_a_train_instance_is_offered_for_trainings_and_never_takes_a_prediction(
    tmp_path: Path, loop: asyncio.AbstractEventLoop
) -> None:
    """coglet in train mode serves ``/trainings`` only: the pool keys instances by kind."""
    pool = make_pool(tmp_path, max_instances=1)
    trainer = running(loop, "v1", kind="training")
    pool.instances.append(trainer)

    assert pool.offer().warm == [WarmSlot(version="v1", hardware="cpu", kind="training")]
    assert pool.assign("v1", "cpu", "training") is trainer
    with pytest.raises(NoCapacity):
        pool.assign("v1", "cpu")


async def test_an_instance_started_for_a_deployments_prediction_says_whom_it_serves(
    tmp_path: Path,
) -> None:
    """Its time is billed to the deployment's owner up to its stop, so the API must hear of
    it, and of its stop until a heartbeat is answered."""
    pool = make_pool(tmp_path)
    started = pool.assign("v1", "cpu", deployment="bob/cold")
    assert started.starting is not None
    started.starting.cancel()  # before it ever runs: this test starts no model

    report = started.report()
    await pool.close()
    [stopped] = pool.stopped
    pool.heard([stopped])

    assert (report.serves, report.deployment) == ("bob/cold", None)
    assert stopped.instance.serves == "bob/cold"
    assert pool.stopped == []
