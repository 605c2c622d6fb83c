"""Where the ``urls.web`` of a prediction leads: its page in the web UI (which asks a browser
that is not signed in to sign in first)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import RedirectResponse

router = APIRouter(include_in_schema=False)


@router.get("/p/{prediction_id}")
async def prediction_page(prediction_id: str) -> RedirectResponse:
    return RedirectResponse(f"/predictions/{prediction_id}", status_code=307)
