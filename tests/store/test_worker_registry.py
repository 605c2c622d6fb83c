"""The fleet registry on both databases: a worker is registered when first heard, updated on
every heartbeat, and dropped once silent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mimeo.core.protocol import WorkerStatus
from mimeo.store.store import Store

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


def status(worker_id: str, cpus: int = 2) -> WorkerStatus:
    return WorkerStatus(
        worker_id=worker_id,
        hardware=["cpu"],
        cpus=cpus,
        memory_bytes=2**30,
        gpus=0,
        max_instances=4,
    )


async def test_a_worker_heard_twice_is_registered_once_with_its_latest_status(
    store: Store,
) -> None:
    await store.workers.heard(status("w1", cpus=2), NOW)
    await store.workers.heard(status("w1", cpus=8), NOW + timedelta(seconds=5))

    [worker] = await store.workers.live()

    assert worker.status.cpus == 8
    assert worker.registered_at == NOW
    assert worker.heartbeat_at == NOW + timedelta(seconds=5)


async def test_a_silent_worker_is_dropped_and_a_heard_one_stays(store: Store) -> None:
    await store.workers.heard(status("silent"), NOW)
    await store.workers.heard(status("heard"), NOW + timedelta(seconds=20))

    dropped = await store.workers.drop_silent(NOW + timedelta(seconds=21), timeout=15)

    assert dropped == ["silent"]
    assert [w.status.worker_id for w in await store.workers.live()] == ["heard"]
