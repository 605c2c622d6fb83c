"""Deployments' warm instances shared across the fleet: ``min_instances`` holds fleet-wide,
not once per worker.

Each target's instances go first to the workers already running that version for it (so a
rebalance never stops a warm instance to start the same one elsewhere), then to the workers that
offer its hardware, the least loaded first (ties by worker id, so every API node computes the
same answer). A worker hears only its own share.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from mimeo.core.protocol import WarmTarget, WorkerStatus

HEARTBEAT_SECONDS = 5.0
"""How often a worker tells the fleet registry it is alive (and hears its warm share)."""
SILENT_WORKER_SECONDS = 3 * HEARTBEAT_SECONDS
"""A worker not heard for this long is dropped from the registry."""


def share_warm_targets(
    targets: Sequence[WarmTarget], workers: Sequence[WorkerStatus]
) -> dict[str, list[WarmTarget]]:
    shares: dict[str, list[WarmTarget]] = {worker.worker_id: [] for worker in workers}
    load: Counter[str] = Counter()
    ordered = sorted(workers, key=lambda worker: worker.worker_id)
    for target in sorted(targets, key=lambda t: t.deployment):
        capable = [w for w in ordered if target.hardware in w.hardware]
        given: Counter[str] = Counter()
        running = {
            w.worker_id: sum(
                1
                for i in w.instances
                if i.version == target.version and i.deployment == target.deployment
            )
            for w in capable
        }
        for worker in capable:
            keep = min(running[worker.worker_id], target.min_instances - sum(given.values()))
            given[worker.worker_id] += max(0, keep)
        while sum(given.values()) < target.min_instances and capable:
            roomy = [w for w in capable if load[w.worker_id] + given[w.worker_id] < w.max_instances]
            if not roomy:
                break
            chosen = min(roomy, key=lambda w: (load[w.worker_id] + given[w.worker_id], w.worker_id))
            given[chosen.worker_id] += 1
        for worker_id, count in given.items():
            if count:
                load[worker_id] += count
                shares[worker_id].append(target.model_copy(update={"min_instances": count}))
    return shares
