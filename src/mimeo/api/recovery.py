"""The API's sweeper: predictions whose worker vanished are retried or failed, never stuck;
predictions past their ``Cancel-After`` deadline are canceled."""

from __future__ import annotations

import asyncio

import structlog

from mimeo.api.context import AppContext
from mimeo.core.status import PredictionStatus
from mimeo.events import PredictionEvent

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
        context.bus.publish(PredictionEvent(prediction.id, prediction.status, prediction))
    if any(p.status == PredictionStatus.STARTING for p in changed):
        await context.bus.work_available()
    overdue = await context.queue.enforce_deadlines()
    for prediction in overdue:
        log.info("prediction.deadline_passed", prediction_id=prediction.id)
        context.bus.publish(PredictionEvent(prediction.id, prediction.status, prediction))
    return len(changed) + len(overdue)


async def sweep_forever(context: AppContext, interval: float = SWEEP_INTERVAL_SECONDS) -> None:
    while True:
        try:
            await sweep_once(context)
        except Exception:  # the sweeper must outlive a database hiccup
            log.exception("lease.sweep_failed")
        await asyncio.sleep(interval)
