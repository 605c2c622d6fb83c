"""What the API does for a worker: hand out jobs, apply reports, serve archives.

The ``/internal`` routes put these on HTTP for remote workers; ``mimeo serve`` calls them
directly for its own worker, which shares the process and gains nothing from a loopback hop.
"""

from __future__ import annotations

from mimeo.api.context import AppContext
from mimeo.core.blob_refs import blob_ref
from mimeo.core.protocol import Job, Report, ReportAnswer, WarmTarget
from mimeo.core.status import PredictionStatus
from mimeo.events import PredictionEvent
from mimeo.queue import LeaseLost
from mimeo.storage.blob_store import check_key
from mimeo.store.records import Prediction

CLAIM_RECHECK_SECONDS = 0.5


async def claim_job(context: AppContext, worker_id: str, wait_seconds: float) -> Job | None:
    """Wait until there is work (or ``wait_seconds`` pass): no polling delay."""
    deadline = wait_seconds
    while True:
        generation = context.bus.work_generation
        claimed = await context.queue.claim(worker_id)
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
            )
        if deadline <= 0 or not await context.bus.wait_for_work(generation, deadline):
            return None
        deadline = CLAIM_RECHECK_SECONDS


async def apply_report(context: AppContext, prediction_id: str, report: Report) -> ReportAnswer:
    """Raises ``LeaseLost`` when the prediction is no longer this worker's.

    A report that both starts and ends a prediction is one transaction: ``finish`` dates the
    start from the model's own ``predict_time``.
    """
    queue = context.queue
    prediction: Prediction | None = None
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
