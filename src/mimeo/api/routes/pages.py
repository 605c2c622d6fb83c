"""Where the ``urls.web`` of a prediction leads. Until the web UI renders it, the page is the
prediction's API resource: a link mimeo hands out always answers."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import RedirectResponse

from mimeo.api.http.links import LinksDep

router = APIRouter(include_in_schema=False)


@router.get("/p/{prediction_id}")
async def prediction_page(prediction_id: str, links: LinksDep) -> RedirectResponse:
    return RedirectResponse(links.prediction(prediction_id), status_code=307)
