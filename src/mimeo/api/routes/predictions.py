"""``/v1/predictions``: create, list, get, cancel."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from mimeo.api.http.deps import (
    AccountDep,
    ContextDep,
    CursorDep,
    PredictionDep,
    get_runnable_model,
)
from mimeo.api.http.links import LinksDep
from mimeo.api.http.serializers import page_json, prediction_json
from mimeo.api.services.predictions import CreationDep, PredictionRequest, latest_version
from mimeo.core.identifiers import VERSION_PATTERN, ModelRef
from mimeo.core.pagination import PAGE_SIZE
from mimeo.core.records import Account, Model, Version

router = APIRouter(prefix="/v1/predictions", tags=["predictions"])


class VersionedPredictionRequest(PredictionRequest):
    version: str


async def _resolve(context: ContextDep, account: Account, reference: str) -> tuple[Model, Version]:
    """A version id, ``owner/name:version`` or ``owner/name`` (its latest version), of a model
    ``account`` may see."""
    if VERSION_PATTERN.match(reference):
        return await context.store.catalog.find_version(reference, viewer=account)
    ref = ModelRef.parse(reference)
    model = await get_runnable_model(ref.owner, ref.name, account, context)
    if ref.version is not None:
        return model, await context.store.catalog.get_version(model, ref.version)
    return model, latest_version(model)


@router.post("", status_code=201)
async def create(body: VersionedPredictionRequest, creation: CreationDep) -> JSONResponse:
    model, version = await _resolve(creation.context, creation.account, body.version)
    prediction = await creation.create(model, version, body)
    return creation.created(prediction)


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
    url = links.predictions()
    url += "" if page_size == PAGE_SIZE else f"?page_size={page_size}"
    return page_json(page, url, [prediction_json(p, links) for p in page.results])


@router.get("/{prediction_id}")
async def get(prediction: PredictionDep, links: LinksDep) -> dict[str, Any]:
    return prediction_json(prediction, links)


@router.post("/{prediction_id}/cancel")
async def cancel(prediction: PredictionDep, context: ContextDep, links: LinksDep) -> dict[str, Any]:
    """Idempotent: cancelling an ended prediction returns it unchanged."""
    return prediction_json(await context.queue.cancel(prediction.id), links)
