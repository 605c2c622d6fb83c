"""Trainings: create one on a version, list, get and cancel the caller's own."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from mimeo.api.http.deps import AccountDep, ContextDep, CursorDep, TrainingDep, VisibleModelDep
from mimeo.api.http.links import LinksDep
from mimeo.api.http.serializers import page_json, training_json
from mimeo.api.services.predictions import CreationDep, PredictionRequest
from mimeo.api.services.trainings import destination_model
from mimeo.core.pagination import PAGE_SIZE
from mimeo.core.records import TRAINING
from mimeo.core.webhook_policy import WebhookEvent

router = APIRouter(tags=["trainings"])


class TrainingRequest(PredictionRequest):
    """``webhook_completed`` is the older client's form of a webhook for the end only."""

    destination: str
    webhook_completed: str | None = None


@router.post("/v1/models/{owner}/{name}/versions/{version_id}/trainings", status_code=201)
async def create(
    version_id: str, body: TrainingRequest, model: VisibleModelDep, creation: CreationDep
) -> JSONResponse:
    """Another account's private model is not found here either: training it would copy its
    code into the caller's destination."""
    version = await creation.context.store.catalog.get_version(model, version_id)
    destination = await destination_model(creation.context, creation.account, body.destination)
    if body.webhook is None and body.webhook_completed is not None:
        body = body.model_copy(
            update={
                "webhook": body.webhook_completed,
                "webhook_events_filter": [WebhookEvent.COMPLETED],
            }
        )
    training = await creation.create(
        model, version, body, hardware=model.hardware, destination=destination.full_name
    )
    headers = {"Preference-Applied": f"wait={int(creation.wait)}"} if creation.wait else {}
    return JSONResponse(training_json(training, creation.links), 201, headers)


@router.get("/v1/trainings")
async def list_trainings(
    context: ContextDep,
    account: AccountDep,
    cursor: CursorDep,
    links: LinksDep,
    page_size: Annotated[int, Query(ge=1, le=PAGE_SIZE)] = PAGE_SIZE,
) -> dict[str, Any]:
    """The caller's trainings only, newest first; ``page_size`` as for predictions."""
    page = await context.store.predictions.list_for_account(
        account.id, cursor, page_size, kind=TRAINING
    )
    url = links.trainings()
    url += "" if page_size == PAGE_SIZE else f"?page_size={page_size}"
    return page_json(page, url, [training_json(t, links) for t in page.results])


@router.get("/v1/trainings/{training_id}")
async def get(training: TrainingDep, links: LinksDep) -> dict[str, Any]:
    return training_json(training, links)


@router.post("/v1/trainings/{training_id}/cancel")
async def cancel(training: TrainingDep, context: ContextDep, links: LinksDep) -> dict[str, Any]:
    """Idempotent, as a prediction's cancel."""
    return training_json(await context.queue.cancel(training.id), links)
