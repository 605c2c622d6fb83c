"""A worker's director built from the settings: this node's hardware, its pool's limits."""

from __future__ import annotations

import structlog

from mimeo.cli.data_dir import private_data_dir
from mimeo.core.worker_limits import PoolLimits
from mimeo.runtime.environment import EnvironmentBuilder
from mimeo.runtime.sandbox import detect_boundary
from mimeo.settings import Settings
from mimeo.worker.api_client import WorkerChannel
from mimeo.worker.director import Director
from mimeo.worker.hardware import detect_inventory
from mimeo.worker.pool import InstancePool

log = structlog.get_logger()


async def build_director(
    settings: Settings, channel: WorkerChannel, builder: EnvironmentBuilder
) -> Director:
    inventory = await detect_inventory(settings.nvidia_smi)
    limits = PoolLimits(
        max_instances=settings.max_instances,
        idle_timeout=settings.idle_timeout_seconds,
        setup_timeout=settings.setup_timeout_seconds,
        predict_timeout=settings.predict_timeout_seconds,
        threads_per_instance=max(1, inventory.cpus // settings.max_instances),
    )
    pool = InstancePool(
        private_data_dir(settings.data_dir) / "worker",
        builder,
        channel.archive,
        limits,
        inventory.gpus,
        await detect_boundary(),
        channel.weights,
    )
    log.info(
        "worker.ready",
        worker_id=channel.worker_id,
        cpus=inventory.cpus,
        gpus=len(inventory.gpus),
        hardware=pool.skus,
        max_instances=limits.max_instances,
    )
    return Director(
        channel, pool, drain_timeout=settings.drain_timeout_seconds, inventory=inventory
    )
