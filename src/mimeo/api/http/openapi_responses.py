"""mimeo's OpenAPI document lists what each operation answers: its errors, as problem+json,
and the media type of answers that are not JSON (file downloads, event streams).

FastAPI documents a 422 of its own shape (``HTTPValidationError``, ``application/json``) that
mimeo never sends, and nothing else. Here the document is rewritten once, from facts about each
route: every operation can answer 500; one that takes a token, 401; one with path parameters,
404; one with parameters or a body, 400 and 422; one with a body under ``/v1``, 413 (the body
limit); one that creates predictions, 429 (the token's rate limit). What those facts cannot
show (a 409 on a duplicate name, a 503 when blob storage is down, a 402 when the account's credit
is spent) is listed in ``EXTRA``. Schemathesis holds the result to what the server really
answers.
"""

from __future__ import annotations

from collections.abc import Iterator
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from mimeo.api.http.deps import get_account, require_operator, require_worker
from mimeo.api.http.problems import PROBLEM_JSON
from mimeo.api.services.predictions import prediction_creation

PROBLEM_REF = "#/components/schemas/Problem"
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "RFC 9457 problem details, as every mimeo error is answered.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "One entry per bad field (422).",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
        "request_id": {
            "type": "string",
            "description": "The server log's id for an unexpected error (500).",
        },
    },
}
SIGNATURE_PARAMS = frozenset({"token", "signature"})
CREATES = ("POST", "/v1/predictions"), ("POST", "/v1/models/{owner}/{name}/predictions")
EXTRA: dict[tuple[str, str], frozenset[int]] = {
    ("POST", "/v1/models"): frozenset({404, 409}),
    ("DELETE", "/v1/models/{owner}/{name}"): frozenset({409}),
    ("POST", "/v1/models/{owner}/{name}/versions"): frozenset({409, 503}),
    ("POST", "/v1/predictions"): frozenset({402, 404, 409}),
    ("POST", "/v1/models/{owner}/{name}/predictions"): frozenset({402, 409}),
    ("POST", "/v1/deployments"): frozenset({404, 409}),
    ("PATCH", "/v1/deployments/{owner}/{name}"): frozenset({409}),
    ("POST", "/v1/deployments/{owner}/{name}/predictions"): frozenset({402, 409}),
    ("POST", "/v1/files"): frozenset({503}),
    ("DELETE", "/v1/files/{file_id}"): frozenset({503}),
    ("GET", "/v1/files/{file_id}/download"): frozenset({503}),
    ("GET", "/v1/blobs/{key}"): frozenset({503}),
    ("GET", "/v1/models/{owner}/{name}/cover"): frozenset({503}),
    ("GET", "/v1/search"): frozenset({401}),
    ("POST", "/v1/admin/accounts"): frozenset({409}),
    ("POST", "/v1/admin/accounts/{username}/disable"): frozenset({409}),
}
"""Answers that the shape of a route does not show, by method and path."""
_ANY_FILE = {"*/*": {"schema": {"type": "string", "format": "binary"}}}
SUCCESS_CONTENT: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/v1/files/{file_id}/download"): _ANY_FILE,
    ("GET", "/v1/blobs/{key}"): _ANY_FILE,
    ("GET", "/v1/models/{owner}/{name}/cover"): {
        media_type: {"schema": {"type": "string", "format": "binary"}}
        for media_type in ("image/png", "image/jpeg", "image/webp")
    },
    ("GET", "/v1/predictions/{prediction_id}/stream"): {
        "text/event-stream": {"schema": {"type": "string"}}
    },
    ("GET", "/v1/models/{owner}/{name}/readme"): {"text/plain": {"schema": {"type": "string"}}},
}
"""Operations whose success is not JSON: what their 200 carries instead."""
READS_BODY_ITSELF = frozenset(
    {
        ("POST", "/v1/files"),
        ("POST", "/v1/models/{owner}/{name}/versions"),
        ("QUERY", "/v1/models"),
    }
)


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _dependants(sub)


def error_statuses(dependant: Dependant, method: str, path: str) -> set[int]:
    everything = list(_dependants(dependant))
    params = [p for d in everything for p in (*d.query_params, *d.header_params)]
    has_path = any(d.path_params for d in everything)
    has_body = any(d.body_params for d in everything) or (method, path) in READS_BODY_ITSELF
    statuses = {500}
    authenticates = (get_account, require_worker, require_operator)
    if any(d.call in authenticates for d in everything) or any(
        p.alias in SIGNATURE_PARAMS for p in params
    ):
        statuses.add(401)
    if has_path:
        statuses.add(404)
    if params or has_path or has_body:
        statuses |= {400, 422}
    if has_body and path.startswith("/v1/"):
        statuses.add(413)
    if any(d.call is prediction_creation for d in everything):
        statuses.add(429)
    return statuses | EXTRA.get((method, path), frozenset())


def _problem_response(status: int) -> dict[str, Any]:
    return {
        "description": HTTPStatus(status).phrase,
        "content": {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}},
    }


def _add_answers(app: FastAPI, spec: dict[str, Any]) -> None:
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    schemas["Problem"] = PROBLEM_SCHEMA
    for route in iter_route_contexts(app.routes):
        if not (isinstance(route.original_route, APIRoute) and route.include_in_schema):
            continue
        path = route.path_format or ""
        for method in sorted(route.methods or ()):
            responses = spec["paths"][path][method.lower()]["responses"]
            responses.pop("422", None)  # FastAPI's own shape, never sent
            if (method, path) in SUCCESS_CONTENT:
                responses["200"]["content"] = SUCCESS_CONTENT[(method, path)]
            for status in sorted(error_statuses(route.dependant, method, path)):
                responses[str(status)] = _problem_response(status)


def document_answers(app: FastAPI) -> None:
    """Wraps ``app.openapi`` (which builds the document once and keeps it) to add the answers
    to each document it builds."""
    build = app.openapi
    done: list[dict[str, Any]] = []

    def openapi() -> dict[str, Any]:
        spec = build()
        if not any(spec is seen for seen in done):
            _add_answers(app, spec)
            done[:] = [spec]
        return spec

    app.openapi = openapi  # type: ignore[method-assign]
