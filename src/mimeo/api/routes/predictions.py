"""``/v1/predictions``: create, list, get, cancel."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from fastapi.responses import JSONResponse

from mimeo.api.deps import AccountDep, ContextDep, CursorDep, PredictionDep
from mimeo.api.links import LinksDep
from mimeo.api.prediction_service import (
    CancelAfterDep,
    PredictionRequest,
    create_prediction,
    created_response,
    latest_version,
)
from mimeo.api.prefer import wait_seconds
from mimeo.api.serializers import page_json, prediction_json
from mimeo.core.identifiers import VERSION_PATTERN, ModelRef
from mimeo.core.pagination import PAGE_SIZE
from mimeo.events import PredictionEvent
from mimeo.store.records import Model, Version

router = APIRouter(prefix="/v1/predictions", tags=["predictions"])


class VersionedPredictionRequest(PredictionRequest):
    version: str


async def _resolve(context: ContextDep, reference: str) -> tuple[Model, Version]:
    """A version id, ``owner/name:version`` or ``owner/name`` (its latest version)."""
    if VERSION_PATTERN.match(reference):
        return await context.store.catalog.find_version(reference)
    ref = ModelRef.parse(reference)
    model = await context.store.catalog.get_model(ref.owner, ref.name)
    if ref.version is not None:
        return model, await context.store.catalog.get_version(model, ref.version)
    return model, latest_version(model)


@router.post("", status_code=201)
async def create(
    body: VersionedPredictionRequest,
    context: ContextDep,
    account: AccountDep,
    links: LinksDep,
    cancel_after: CancelAfterDep,
    prefer: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    model, version = await _resolve(context, body.version)
    wait = wait_seconds(prefer, context.settings.max_wait_seconds)
    prediction = await create_prediction(
        context, account, model, version, body, wait, links, cancel_after=cancel_after
    )
    return created_response(links, prediction, wait)


@router.get("")
async def list_predictions(
    context: ContextDep,
    account: AccountDep,
    cursor: CursorDep,
    links: LinksDep,
    page_size: Annotated[int, Query(ge=1, le=PAGE_SIZE)] = PAGE_SIZE,
) -> dict[str, Any]:
    """``page_size`` is a mimeo extension; Replicate pages by 100."""
    page = await context.store.predictions.list_for_account(account.id, cursor, page_size)
    url = f"{links.base}/v1/predictions"
    url += "" if page_size == PAGE_SIZE else f"?page_size={page_size}"
    return page_json(page, url, [prediction_json(p, links) for p in page.results])


@router.get("/{prediction_id}")
async def get(prediction: PredictionDep, links: LinksDep) -> dict[str, Any]:
    return prediction_json(prediction, links)


@router.post("/{prediction_id}/cancel")
async def cancel(prediction: PredictionDep, context: ContextDep, links: LinksDep) -> dict[str, Any]:
    """Idempotent: cancelling an ended prediction returns it unchanged."""
    updated = await context.queue.cancel(prediction.id)
    if updated.status.value == "canceled":
        context.bus.publish(PredictionEvent(updated.id, updated.status, updated))
    return prediction_json(updated, links)
