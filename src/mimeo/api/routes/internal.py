"""The worker protocol over HTTP: long-poll claims, batched reports, version archives.

Workers connect out to the API (a GPU box behind NAT can join) and hold no database handle.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from mimeo.api.http.deps import ContextDep, WorkerDep
from mimeo.api.services.worker_protocol import (
    apply_report,
    claim_job,
    heartbeat,
    read_blob,
    store_output,
    version_archive,
    version_weights,
)
from mimeo.core.protocol import (
    WEIGHTS_KEY_HEADER,
    ClaimRequest,
    Job,
    Report,
    ReportAnswer,
    WarmTarget,
    WorkerStatus,
)

router = APIRouter(
    prefix="/internal/v1", tags=["internal"], dependencies=[WorkerDep], include_in_schema=False
)


@router.post("/claim", response_model=None)
async def claim(body: ClaimRequest, request: Request, context: ContextDep) -> Job | Response:
    async def hung_up() -> None:
        """Once the body is read, the next message a request receives is its disconnect."""
        while (await request.receive())["type"] != "http.disconnect":
            pass

    job = await claim_job(context, body.worker_id, body.wait_seconds, body.offer, hung_up())
    return Response(status_code=204) if job is None else job


@router.post("/predictions/{prediction_id}/report")
async def report(prediction_id: str, body: Report, context: ContextDep) -> ReportAnswer:
    return await apply_report(context, prediction_id, body)


@router.get("/versions/{version_id}/archive")
async def archive(version_id: str, context: ContextDep) -> Response:
    return Response(await version_archive(context, version_id), media_type="application/gzip")


@router.get("/versions/{version_id}/weights")
async def weights(version_id: str, context: ContextDep) -> Response:
    """204 for a version that was pushed; a trained one's weights, named by their blob key."""
    found = await version_weights(context, version_id)
    if found is None:
        return Response(status_code=204)
    key, data = found
    return Response(data, media_type="application/octet-stream", headers={WEIGHTS_KEY_HEADER: key})


@router.get("/blobs/{key:path}")
async def blob(key: str, context: ContextDep) -> Response:
    return Response(await read_blob(context, key), media_type="application/octet-stream")


@router.put("/predictions/{prediction_id}/outputs/{name}")
async def output(
    prediction_id: str, name: str, worker_id: str, request: Request, context: ContextDep
) -> dict[str, str]:
    media_type = request.headers.get("content-type", "application/octet-stream")
    data = await request.body()
    ref = await store_output(context, prediction_id, worker_id, name, data, media_type)
    return {"ref": ref}


@router.post("/workers/heartbeat")
async def worker_heartbeat(body: WorkerStatus, context: ContextDep) -> list[WarmTarget]:
    """The worker's place in the fleet registry; the answer is its share of warm instances."""
    return await heartbeat(context, body)
