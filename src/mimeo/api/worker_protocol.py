"""What the API does for a worker: hand out jobs, apply reports, serve archives.

The ``/internal`` routes put these on HTTP for remote workers; ``mimeo serve`` calls them
directly for its own worker, which shares the process and gains nothing from a loopback hop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from mimeo.api.context import AppContext
from mimeo.core.blob_refs import blob_ref
from mimeo.core.protocol import Job, Offer, Report, ReportAnswer, WarmTarget
from mimeo.core.status import PredictionStatus
from mimeo.core.unicode_text import replace_lone_surrogates
from mimeo.events import PredictionEvent
from mimeo.queue import LeaseLost
from mimeo.storage.blob_store import check_key
from mimeo.store.records import Prediction

CLAIM_RECHECK_SECONDS = 1.0
"""A waiting claim looks again this often without a wake-up: capacity freed by a finished or
deadline-canceled prediction, or a deployment's cap, does not announce itself on the bus."""
StillWanted = Callable[[], Awaitable[bool]]


async def claim_job(
    context: AppContext,
    worker_id: str,
    wait_seconds: float,
    offer: Offer | None = None,
    still_wanted: StillWanted | None = None,
) -> Job | None:
    """Wait until there is work that fits ``offer`` (or ``wait_seconds`` pass): no polling delay.

    ``still_wanted`` is asked before each claim, so a worker that hung up (it is shutting down)
    is not handed a prediction it will never run.
    """
    loop = asyncio.get_running_loop()
    give_up = loop.time() + wait_seconds
    while True:
        generation = context.bus.work_generation
        if still_wanted is not None and not await still_wanted():
            return None
        claimed = await context.queue.claim(worker_id, offer)
        if claimed is not None:
            p = claimed.prediction
            return Job(
                prediction_id=p.id,
                model=p.model,
                version=p.version,
                input=p.input,
                lease_expires_at=claimed.lease_expires_at,
                lease_seconds=context.queue.lease_seconds,
                attempt=p.attempts,
                hardware=p.hardware,
                deployment=p.deployment,
                queued_seconds=claimed.queued_seconds,
            )
        remaining = give_up - loop.time()
        if remaining <= 0:
            return None
        await context.bus.wait_for_work(generation, min(remaining, CLAIM_RECHECK_SECONDS))


async def apply_report(context: AppContext, prediction_id: str, report: Report) -> ReportAnswer:
    """Raises ``LeaseLost`` when the prediction is no longer this worker's.

    A report that both starts and ends a prediction is one transaction: ``finish`` dates the
    start from the model's own ``predict_time``.
    """
    report = text_only(report)
    queue = context.queue
    prediction: Prediction | None = None
    if report.hand_back:
        prediction = await queue.hand_back(prediction_id, report.worker_id)
        context.bus.publish(PredictionEvent(prediction_id, prediction.status, prediction))
        await context.bus.work_available()
        return ReportAnswer(cancel_requested=prediction.cancel_requested)
    if report.started and report.outcome is None:
        prediction = await queue.start(prediction_id, report.worker_id)
        context.bus.publish(PredictionEvent(prediction_id, PredictionStatus.PROCESSING))
    if report.outcome is not None:
        outcome = report.outcome
        prediction = await queue.finish(
            prediction_id,
            report.worker_id,
            PredictionStatus(outcome.status),
            output=outcome.output,
            error=outcome.error,
            logs=report.logs,
            metrics=outcome.metrics,
        )
        if prediction.deployment is not None:
            await context.bus.work_available()  # the deployment's cap may have come free
    elif report.logs or report.has_output or not report.started:
        prediction = await queue.progress(
            prediction_id,
            report.worker_id,
            logs=report.logs,
            output=report.output,
            has_output=report.has_output,
        )
    assert prediction is not None
    if report.outcome is not None or report.logs or report.has_output:
        context.bus.publish(PredictionEvent(prediction_id, prediction.status, prediction))
    return ReportAnswer(cancel_requested=prediction.cancel_requested)


def text_only(report: Report) -> Report:
    """A model may print or return a lone surrogate; kept as is, it would break every later
    answer that shows the prediction (see ``core.unicode_text``)."""
    outcome = report.outcome
    if outcome is not None:
        outcome = outcome.model_copy(
            update={
                "output": replace_lone_surrogates(outcome.output),
                "error": replace_lone_surrogates(outcome.error),
            }
        )
    return report.model_copy(
        update={
            "logs": replace_lone_surrogates(report.logs),
            "output": replace_lone_surrogates(report.output),
            "outcome": outcome,
        }
    )


async def version_archive(context: AppContext, version_id: str) -> bytes:
    _model, version = await context.store.catalog.find_version(version_id)
    return await context.blobs.get(version.archive_key)


async def read_blob(context: AppContext, key: str) -> bytes:
    return await context.blobs.get(key)


async def store_output(
    context: AppContext, prediction_id: str, worker_id: str, name: str, data: bytes, media_type: str
) -> str:
    """Only the worker holding the lease may add outputs to a prediction."""
    prediction = await context.store.predictions.get(prediction_id)
    if prediction.lease_owner != worker_id:
        raise LeaseLost(f"Prediction {prediction_id} is not leased to {worker_id}")
    key = check_key(f"outputs/{prediction_id}/{name}")
    await context.blobs.put(key, data, media_type)
    return blob_ref(key)


async def warm_targets(context: AppContext) -> list[WarmTarget]:
    """Every deployment with ``min_instances`` above zero, whichever account owns it."""
    return [
        WarmTarget(
            deployment=d.full_name,
            version=d.version,
            hardware=d.hardware,
            min_instances=d.min_instances,
            max_instances=d.max_instances,
        )
        for d in await context.store.deployments.list_warm()
    ]
