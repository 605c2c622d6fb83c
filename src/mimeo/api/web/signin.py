"""Signing in with an API token, and out.

The sign-in form has a CSRF token too (from an anonymous session made when it is shown), so
another site cannot sign a browser into an account of its choosing.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mimeo.api.http.deps import ContextDep, account_for_token
from mimeo.api.web.pages import mark_web, page
from mimeo.api.web.sessions import (
    CheckedVisitorDep,
    SealDep,
    Session,
    end_session,
    keep_session,
    read_session,
)
from mimeo.core.errors import Forbidden

router = APIRouter(include_in_schema=False, dependencies=[Depends(mark_web)])


def _safe_next(target: str | None) -> str:
    """Only a path on this server: an open redirect would hand the session to a lookalike."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/signin")
async def sign_in_form(request: Request, seal: SealDep, next: str | None = None) -> HTMLResponse:
    session = read_session(request, seal) or Session.fresh()
    response = page(
        request, "signin.html", None, csrf=seal.csrf(session), next=_safe_next(next), error=None
    )
    keep_session(request, response, seal, session)
    return response


@router.post("/signin")
async def sign_in(
    request: Request,
    context: ContextDep,
    seal: SealDep,
    token: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    session = read_session(request, seal)
    if session is None or not seal.csrf_matches(session, csrf_token):
        raise Forbidden("This form is missing its security token: reload the page and try again")
    account = await account_for_token(context, token.strip()) if token.strip() else None
    if account is None:
        response: Response = page(
            request,
            "signin.html",
            None,
            401,
            csrf=seal.csrf(session),
            next=_safe_next(next),
            error="That token does not open any account.",
        )
        return response
    response = RedirectResponse(_safe_next(next), status_code=303)
    keep_session(request, response, seal, Session.fresh(token.strip()))
    return response


@router.post("/signout")
async def sign_out(_visitor: CheckedVisitorDep) -> Response:
    response = RedirectResponse("/signin", status_code=303)
    end_session(response)
    return response
