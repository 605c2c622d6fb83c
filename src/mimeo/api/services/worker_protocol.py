"""What the API does for a worker: hand out jobs, apply reports, serve archives.

The ``/internal`` routes put these on HTTP for remote workers; ``mimeo serve`` calls them
directly for its own worker, which shares the process and gains nothing from a loopback hop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

import structlog
from pydantic import TypeAdapter

from mimeo.api.context import AppContext
from mimeo.api.services.hand_offs import wait_for_work_or_hand_off
from mimeo.api.services.trainings import WEIGHTS, make_trained_version
from mimeo.billing import charge_instances
from mimeo.core.blob_refs import blob_key, blob_ref
from mimeo.core.clock import utc_now
from mimeo.core.errors import LeaseLost
from mimeo.core.fleet import share_warm_targets
from mimeo.core.protocol import (
    Finished,
    HandBack,
    Job,
    Offer,
    Progress,
    Report,
    ReportAnswer,
    WarmTarget,
    WorkerStatus,
)
from mimeo.core.secret_inputs import reveal
from mimeo.core.status import PredictionStatus
from mimeo.core.unicode_text import lone_surrogate_at, replace_lone_surrogates
from mimeo.queue import UNCHANGED, Claim
from mimeo.storage.blob_store import check_key
from mimeo.store.sealing import Unsealable

log = structlog.get_logger()

CLAIM_RECHECK_SECONDS = 1.0
"""A waiting claim looks again this often without a wake-up, as a safety net: the bus wakes it
for every change that may free work, but a worker's own capacity frees silently."""


async def claim_job(
    context: AppContext,
    worker_id: str,
    wait_seconds: float,
    offer: Offer | None = None,
    hung_up: Awaitable[None] | None = None,
) -> Job | None:
    """Wait until there is work that fits ``offer`` (or ``wait_seconds`` pass): no polling delay.

    The job carries the prediction's ``cog.Secret`` values in clear, opened for this claim only:
    the worker hands them to the model and to nothing else.

    When the last claim left the queue empty and no work was announced since, the first look is
    skipped: a worker coming back right after taking the only prediction costs no transaction.
    A claim with an offer may be handed a new prediction that fits it as it is created
    (``hand_offs``): no look at all. ``hung_up`` ends when an HTTP claim's worker is gone: one
    that hung up (it is shutting down) is not handed a prediction it will never run, and one
    handed a prediction as it hung up gives it back.
    """
    gone = None if hung_up is None else asyncio.ensure_future(hung_up)
    try:
        return await _claim_until_found(context, worker_id, wait_seconds, offer, gone)
    finally:
        if gone is not None:
            gone.cancel()


async def _claim_until_found(
    context: AppContext,
    worker_id: str,
    wait_seconds: float,
    offer: Offer | None,
    gone: asyncio.Future[None] | None,
) -> Job | None:
    loop = asyncio.get_running_loop()
    give_up = loop.time() + wait_seconds
    look = not context.bus.nothing_queued
    while True:
        generation = context.bus.work_generation
        if gone is not None and gone.done():
            return None
        looked = await context.queue.look(worker_id, offer) if look else None
        look = True
        if looked is not None and looked.drained:
            context.bus.queue_drained(generation)
        claimed = looked if isinstance(looked, Claim) else None
        if claimed is None:
            remaining = give_up - loop.time()
            if remaining <= 0:
                return None
            work = context.bus.wait_for_work(generation, min(remaining, CLAIM_RECHECK_SECONDS))
            if offer is None:
                await work
                continue
            waiting = context.hand_offs.wait(worker_id, offer, generation)
            claimed = await wait_for_work_or_hand_off(
                context.hand_offs, context.queue, work, waiting, gone
            )
            if claimed is None:
                continue
        job = await _job(context, worker_id, claimed)
        if job is not None:
            return job


async def _job(context: AppContext, worker_id: str, claimed: Claim) -> Job | None:
    """The claimed prediction as the worker runs it; None when its secrets cannot be opened
    (it failed, saying why)."""
    p = claimed.prediction
    try:
        secrets = await context.store.sealer.open(claimed.sealed_secrets)
    except Unsealable as error:
        log.warning("prediction.secrets_unreadable", prediction_id=p.id)
        await context.queue.finish(
            p.id, worker_id, PredictionStatus.FAILED, error=f"mimeo: {error}"
        )
        return None
    return Job(
        prediction_id=p.id,
        model=p.model,
        version=p.version,
        input=reveal(p.input, secrets),
        secret_fields=sorted(secrets),
        lease_expires_at=claimed.lease_expires_at,
        lease_seconds=context.queue.lease_seconds,
        attempt=p.attempts,
        hardware=p.hardware,
        deployment=p.deployment,
        queued_seconds=claimed.queued_seconds,
        kind=p.kind,
    )


async def apply_report(context: AppContext, prediction_id: str, report: Report) -> ReportAnswer:
    """Raises ``LeaseLost`` when the prediction is no longer this worker's.

    A prediction that starts and ends between two reports is one ``Finished`` report, one
    transaction: ``finish`` dates the start from the model's own ``predict_time``. A report of
    the start is one transaction too, with the logs and output that came with it.
    """
    report = text_only(report)
    queue = context.queue
    worker_id = report.worker_id
    match report:
        case HandBack():
            prediction = await queue.hand_back(prediction_id, worker_id)
        case Finished(outcome=outcome):
            if report.training and outcome.status == "succeeded":
                outcome = await make_trained_version(context, prediction_id, worker_id, outcome)
            prediction = await queue.finish(
                prediction_id,
                worker_id,
                PredictionStatus(outcome.status),
                output=outcome.output,
                error=outcome.error,
                logs=report.logs,
                metrics=outcome.metrics,
            )
        case Progress():
            output = UNCHANGED if report.output is None else report.output.value
            write = queue.start if report.started else queue.progress
            prediction = await write(prediction_id, worker_id, logs=report.logs, output=output)
    return ReportAnswer(cancel_requested=prediction.cancel_requested)


REPORTS: TypeAdapter[Report] = TypeAdapter(Report)


def text_only(report: Report) -> Report:
    """A model may print or return a lone surrogate; kept as is, it would break every later
    answer that shows the prediction (see ``core.unicode_text``). The model's text is looked
    at in place; the report is copied only in the rare case it holds one."""
    match report:
        case Progress(output=output):
            text = [report.logs, None if output is None else output.value]
        case Finished(outcome=outcome):
            text = [report.logs, outcome.output, outcome.error]
        case HandBack():
            return report
    if lone_surrogate_at(text, "report") is None:
        return report
    return REPORTS.validate_python(replace_lone_surrogates(report.model_dump()))


async def version_archive(context: AppContext, version_id: str) -> bytes:
    _model, version = await context.store.catalog.find_version(version_id, viewer=None)
    return await context.blobs.get(version.archive_key)


async def version_weights(context: AppContext, version_id: str) -> tuple[str, bytes] | None:
    """A trained version's weights file (its blob key and bytes), handed to its instances as
    ``COG_WEIGHTS``; None for a version that was pushed, not trained."""
    _model, version = await context.store.catalog.find_version(version_id, viewer=None)
    key = blob_key(version.build.get(WEIGHTS))
    if key is None:
        return None
    return key, await context.blobs.get(key)


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


async def heartbeat(context: AppContext, status: WorkerStatus) -> list[WarmTarget]:
    """Record the worker in the fleet registry and charge its billed instances' time; answer its
    share of the deployments' warm instances, so ``min_instances`` holds across the fleet."""
    registry = context.store.workers
    now = utc_now()
    await registry.heard(status, now)
    await charge_instances(context.store.engine, status, now, context.prices)
    targets = [
        WarmTarget(
            deployment=d.full_name,
            version=d.version,
            hardware=d.hardware,
            min_instances=d.min_instances,
            max_instances=d.max_instances,
        )
        for d in await context.store.deployments.list_warm()
    ]
    fleet = [worker.status for worker in await registry.live()]
    return share_warm_targets(targets, fleet).get(status.worker_id, [])
