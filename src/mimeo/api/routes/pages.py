"""Where the ``urls.web`` of a prediction leads: a browser to its page in the web UI (which
asks one that is not signed in to sign in first), any other client to the API resource, as
before there was a UI: a link mimeo hands out always answers its reader."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from mimeo.api.http.links import LinksDep

router = APIRouter(include_in_schema=False)


@router.get("/p/{prediction_id}")
async def prediction_page(
    prediction_id: str, request: Request, links: LinksDep
) -> RedirectResponse:
    if "text/html" in request.headers.get("accept", ""):
        return RedirectResponse(f"/predictions/{prediction_id}", status_code=307)
    return RedirectResponse(links.prediction(prediction_id), status_code=307)
