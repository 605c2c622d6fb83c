"""Rendering a page, and errors as a person expects them on one.

Page routes mark their requests as the browser's; a ``MimeoError`` raised under one becomes an
HTML page (or, for not being signed in, the sign-in page) instead of problem+json. Scripts
calling the same routes ask for JSON and get the problem+json every API client gets.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mimeo.api.web.sessions import Visitor
from mimeo.core.errors import MimeoError, Unauthenticated
from mimeo.web.templating import render

PAYMENT_REQUIRED = 402


async def mark_web(request: Request) -> None:
    """A router dependency of every page route: errors raised under it become pages."""
    request.state.web = True


def wants_page(request: Request) -> bool:
    """A page route asked by the browser itself; the pages' scripts ask for JSON."""
    return bool(getattr(request.state, "web", False)) and "application/json" not in (
        request.headers.get("accept", "")
    )


def page(
    request: Request,
    template: str,
    visitor: Visitor | None,
    status: int = 200,
    **values: Any,
) -> HTMLResponse:
    """Every template gets who is signed in, the CSRF token its forms carry (the sign-in page
    passes its own), and its path, which the navigation marks."""
    html = render(
        template,
        {
            "visitor": visitor,
            "csrf": visitor.csrf if visitor else values.pop("csrf", ""),
            "path": request.url.path,
            **values,
        },
    )
    return HTMLResponse(html, status, headers=PAGE_HEADERS)


CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob: https: http:",  # covers may live elsewhere
        "media-src 'self' data: blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
"""Only mimeo's own scripts run on its pages, whatever a model's text or README holds."""

PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def sign_in_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/signin?next={quote(target, safe='')}", status_code=303)


def web_error(request: Request, error: MimeoError) -> Response | None:
    """The page for an error raised under a page route; None for API requests."""
    if not wants_page(request):
        return None
    if isinstance(error, Unauthenticated):
        return sign_in_redirect(request)
    return page(
        request,
        "error.html",
        None,
        error.status,
        title=error.title,
        detail=error.detail,
        balance_spent=error.status == PAYMENT_REQUIRED,
    )
