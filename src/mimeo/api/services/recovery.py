"""The API's sweeper, on every API node: predictions whose worker vanished are retried or
failed, never stuck; predictions past their ``Cancel-After`` deadline are canceled; workers not
heard from leave the fleet registry (their predictions' leases expire on their own and are
recovered here), and the instance meters of workers long gone are dropped. Every write is
guarded, so nodes sweeping at once do each change once. The queue announces what a sweep
changed, as it does any other change."""

from __future__ import annotations

import asyncio

import structlog

from mimeo.api.context import AppContext
from mimeo.billing import forget_workers
from mimeo.core.clock import utc_now
from mimeo.core.fleet import SILENT_WORKER_SECONDS

log = structlog.get_logger()
SWEEP_INTERVAL_SECONDS = 2.0


async def sweep_once(context: AppContext) -> int:
    dropped = await context.store.workers.drop_silent(utc_now(), SILENT_WORKER_SECONDS)
    for worker_id in dropped:
        log.warning("worker.dropped", worker_id=worker_id, silent_for=SILENT_WORKER_SECONDS)
    if dropped:
        await forget_workers(context.store.engine, utc_now())
    changed = await context.queue.requeue_expired()
    for prediction in changed:
        log.warning(
            "lease.expired",
            prediction_id=prediction.id,
            status=prediction.status.value,
            attempts=prediction.attempts,
        )
    overdue = await context.queue.enforce_deadlines()
    for prediction in overdue:
        log.info("prediction.deadline_passed", prediction_id=prediction.id)
    return len(changed) + len(overdue)


async def sweep_forever(context: AppContext, interval: float = SWEEP_INTERVAL_SECONDS) -> None:
    while True:
        try:
            await sweep_once(context)
        except Exception:  # the sweeper must outlive a database hiccup
            log.exception("lease.sweep_failed")
        await asyncio.sleep(interval)
