"""Every error leaves the API as ``application/problem+json``: mapped here and nowhere else
(a browser's page shows it as HTML instead: ``api.web.pages``)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from mimeo.api.web.pages import web_error
from mimeo.core.errors import InvalidInput, MimeoError, TooManyRequests

PROBLEM_JSON = "application/problem+json"


def problem(
    status: int,
    title: str,
    detail: str,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    if status == 401:
        headers = {"WWW-Authenticate": "Bearer", **(headers or {})}
    return JSONResponse(
        {"type": "about:blank", "title": title, "detail": detail, "status": status, **extra},
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def problem_for(error: MimeoError) -> JSONResponse:
    """The answer to a ``MimeoError``; also used by middleware, which runs outside the handlers."""
    if isinstance(error, InvalidInput):
        return problem(
            error.status,
            error.title,
            error.detail,
            errors=[{"field": e.field, "message": e.message} for e in error.errors],
        )
    if isinstance(error, TooManyRequests):
        retry_after = {"Retry-After": str(error.retry_after_seconds)}
        return problem(error.status, error.title, error.detail, retry_after)
    return problem(error.status, error.title, error.detail)


def install(app: FastAPI) -> None:
    @app.exception_handler(MimeoError)
    async def _mimeo_error(request: Request, error: MimeoError) -> Response:
        return web_error(request, error) or problem_for(error)

    @app.exception_handler(RequestValidationError)
    async def _request_invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": ".".join(str(p) for p in e["loc"] if p != "body"), "message": e["msg"]}
            for e in error.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problem(422, "Invalid request body", detail, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        titles = {404: "Not found", 405: "Method not allowed"}
        title = titles.get(error.status_code, "Error")
        answer = problem(error.status_code, title, str(error.detail))
        answer.headers.update(error.headers or {})  # a 405's Allow, which RFC 9110 requires
        return answer
