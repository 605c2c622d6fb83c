"""The worker protocol: long-poll claims, batched reports, version archives.

Workers connect out to the API (a GPU box behind NAT can join) and hold no database handle.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from mimeo.api.deps import ContextDep, WorkerDep
from mimeo.core.protocol import ClaimRequest, Job, Report, ReportAnswer
from mimeo.core.status import PredictionStatus
from mimeo.events import PredictionEvent
from mimeo.store.records import Prediction

router = APIRouter(
    prefix="/internal/v1", tags=["internal"], dependencies=[WorkerDep], include_in_schema=False
)


@router.post("/claim", response_model=None)
async def claim(body: ClaimRequest, context: ContextDep) -> Job | Response:
    """Hold the request until there is work (or ``wait_seconds`` pass): no polling delay."""
    loop_deadline = body.wait_seconds
    while True:
        generation = context.bus.work_generation
        claimed = await context.queue.claim(body.worker_id)
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
        if loop_deadline <= 0 or not await context.bus.wait_for_work(generation, loop_deadline):
            return Response(status_code=204)
        loop_deadline = 0.5


@router.post("/predictions/{prediction_id}/report")
async def report(prediction_id: str, body: Report, context: ContextDep) -> ReportAnswer:
    queue = context.queue
    prediction: Prediction | None = None
    if body.started:
        prediction = await queue.start(prediction_id, body.worker_id)
        context.bus.publish(PredictionEvent(prediction_id, PredictionStatus.PROCESSING))
    if body.outcome is not None:
        outcome = body.outcome
        prediction = await queue.finish(
            prediction_id,
            body.worker_id,
            PredictionStatus(outcome.status),
            output=outcome.output,
            error=outcome.error,
            logs=body.logs,
            metrics=outcome.metrics,
        )
        context.bus.publish(PredictionEvent(prediction_id, prediction.status, prediction))
    elif body.logs or body.has_output or not body.started:
        prediction = await queue.progress(
            prediction_id,
            body.worker_id,
            logs=body.logs,
            output=body.output,
            has_output=body.has_output,
        )
        context.bus.publish(PredictionEvent(prediction_id, prediction.status, prediction))
    assert prediction is not None
    return ReportAnswer(cancel_requested=prediction.cancel_requested)


@router.get("/versions/{version_id}/archive")
async def archive(version_id: str, context: ContextDep) -> Response:
    _model, version = await context.store.catalog.find_version(version_id)
    return Response(context.blobs.get(version.archive_key), media_type="application/gzip")
