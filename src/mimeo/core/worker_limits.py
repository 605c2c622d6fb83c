"""A worker's limits and their defaults, defined once: ``Settings`` takes its defaults from
here and the worker's pool and director are built from ``Settings``."""

from __future__ import annotations

from dataclasses import dataclass

DRAIN_TIMEOUT_SECONDS = 25.0
"""On SIGTERM, how long running predictions get to finish before they are handed back (under
Kubernetes' default 30 s grace)."""


@dataclass(frozen=True)
class PoolLimits:
    max_instances: int = 4
    idle_timeout: float = 300.0
    """Seconds an instance may sit unused before it stops (scale to zero)."""
    setup_timeout: float = 600.0
    predict_timeout: float = 1800.0
    """Defaults; a model's ``mimeo.yaml`` may set its own."""
    threads_per_instance: int | None = None
    """``OMP_NUM_THREADS`` and the like for each instance, unless the worker's environment sets
    them: torch and llama.cpp otherwise each take every core, and instances sharing a node then
    slow each other down (measured: two threads slower than one under contention)."""
