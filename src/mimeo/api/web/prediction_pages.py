"""The account's predictions: the history (filtered, paged) and one prediction's page, which
keeps streaming while it runs."""

from __future__ import annotations

import contextlib
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from mimeo.api.http.deps import ContextDep, page_cursor
from mimeo.api.http.links import LinksDep
from mimeo.api.http.serializers import prediction_json
from mimeo.api.web.costs import listed_cost, prediction_cost
from mimeo.api.web.pages import mark_web, page, wants_page
from mimeo.api.web.sessions import CheckedVisitorDep, VisitorDep
from mimeo.core.errors import NotFound
from mimeo.core.output_schema import is_iterator_output
from mimeo.core.pagination import Cursor
from mimeo.core.status import PredictionStatus
from mimeo.web.forms import UnsupportedInput, input_form

router = APIRouter(include_in_schema=False, dependencies=[Depends(mark_web)])
HISTORY_PAGE_SIZE = 25


@router.get("/predictions")
async def history(
    request: Request,
    context: ContextDep,
    visitor: VisitorDep,
    status: str = "",
    model: str = "",
    cursor: str = "",
) -> HTMLResponse:
    status_filter = status if status in set(PredictionStatus) else None
    listed = await context.store.predictions.list_for_account(
        visitor.account.id,
        await page_cursor(cursor or None),
        HISTORY_PAGE_SIZE,
        status=status_filter,
        model=model.strip() or None,
    )
    filters = {"status": status_filter or "", "model": model.strip()}
    charges = await context.store.ledger.charges_for([p.id for p in listed.results])

    def link(to: Cursor | None) -> str | None:
        if to is None:
            return None
        kept = {k: v for k, v in filters.items() if v}
        return "/predictions?" + urlencode({**kept, "cursor": to.encode()})

    return page(
        request,
        "predictions.html",
        visitor,
        predictions=[(p, listed_cost(p, charges)) for p in listed.results],
        statuses=list(PredictionStatus),
        filters=filters,
        next=link(listed.next),
        previous=link(listed.previous),
    )


@router.get("/predictions/{prediction_id}")
async def prediction_page(
    prediction_id: str,
    request: Request,
    context: ContextDep,
    visitor: VisitorDep,
    links: LinksDep,
) -> HTMLResponse:
    prediction = await context.store.predictions.get(prediction_id, visitor.account.id)
    try:
        _model, version = await context.store.catalog.find_version(prediction.version, viewer=None)
        schema = version.openapi_schema
    except NotFound:
        schema = {}  # the version was deleted since: its predictions still show
    data = prediction_json(prediction, links)
    with contextlib.suppress(UnsupportedInput):
        data["input"] = input_form(schema).masked(data["input"])
    return page(
        request,
        "prediction.html",
        visitor,
        prediction=prediction,
        data=data,
        iterator=is_iterator_output(schema),
        cost=await prediction_cost(context, prediction),
    )


@router.get("/predictions/{prediction_id}/json")
async def prediction_state(
    prediction_id: str, context: ContextDep, visitor: VisitorDep, links: LinksDep
) -> dict[str, Any]:
    """What the page's script reads when the stream ends: metrics, the final output."""
    prediction = await context.store.predictions.get(prediction_id, visitor.account.id)
    return prediction_json(prediction, links)


@router.post("/predictions/{prediction_id}/cancel")
async def cancel(
    prediction_id: str,
    request: Request,
    context: ContextDep,
    visitor: CheckedVisitorDep,
    links: LinksDep,
) -> Response:
    prediction = await context.store.predictions.get(prediction_id, visitor.account.id)
    canceled = await context.queue.cancel(prediction.id)
    if wants_page(request):
        return RedirectResponse(f"/predictions/{prediction.id}", status_code=303)
    return JSONResponse(prediction_json(canceled, links))
