"""The API's sweeper: predictions whose worker vanished are retried or failed, never stuck;
predictions past their ``Cancel-After`` deadline are canceled. The queue announces what each
sweep changed, so waiters, streams and workers hear of it as of any other change."""

from __future__ import annotations

import asyncio

import structlog

from mimeo.api.context import AppContext

log = structlog.get_logger()
SWEEP_INTERVAL_SECONDS = 2.0


async def sweep_once(context: AppContext) -> int:
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
