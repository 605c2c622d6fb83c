"""Searching the catalogue: ``QUERY /v1/models`` (a page of models, as ``models.search`` in
both official clients reads it) and ``GET /v1/search`` (Replicate's beta search: ranked models
with metadata, collections and documentation pages).

mimeo has no documentation pages to search and writes no descriptions of its own, so ``pages``
is always empty and ``metadata.generated_description`` null; ``metadata.tags`` are the slugs
of the collections the model is in.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from mimeo.api.http.deps import AccountDep, ContextDep, CursorDep, OptionalAccountDep
from mimeo.api.http.links import LinksDep
from mimeo.api.http.serializers import model_json, page_json
from mimeo.core.errors import InvalidRequest
from mimeo.core.search_terms import query_text, search_terms

router = APIRouter(tags=["search"])
SEARCH_LIMIT_DEFAULT = 20
SEARCH_LIMIT_MAX = 50


@router.api_route(
    "/v1/models",
    methods=["QUERY"],
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/plain": {"schema": {"type": "string", "description": "The text"}}},
        }
    },
)
async def search_models(
    request: Request,
    context: ContextDep,
    account: AccountDep,
    cursor: CursorDep,
    links: LinksDep,
) -> dict[str, Any]:
    """Search public models and the caller's own. The next page is asked for with the same
    ``QUERY`` and body at the ``next`` URL."""
    text = query_text(await request.body())
    if not text.strip():
        raise InvalidRequest("send the search text as the request body (text/plain)")
    page = await context.store.search.models_page(search_terms(text), account, cursor)
    return page_json(page, links.models(), [model_json(m, links) for m in page.results])


@router.get("/v1/search")
async def search(
    context: ContextDep,
    account: OptionalAccountDep,
    links: LinksDep,
    query: str | None = None,
    limit: Annotated[int, Query(ge=1, le=SEARCH_LIMIT_MAX)] = SEARCH_LIMIT_DEFAULT,
) -> dict[str, Any]:
    """Open without a token, as Replicate's is (public models only, then)."""
    if query is None or not query.strip():
        raise InvalidRequest('Query parameter "query" is required')
    terms = search_terms(query)
    found = await context.store.search.ranked_models(terms, account, limit)
    tags = await context.store.collections.slugs_by_model([f.model.id for f in found])
    collections = await context.store.search.collections(terms, account, limit)
    return {
        "query": query,
        "models": [
            {
                "model": model_json(f.model, links),
                "metadata": {
                    "generated_description": None,
                    "tags": tags.get(f.model.id, []),
                    "score": f.score,
                },
            }
            for f in found
        ],
        "collections": [
            {
                "name": c.collection.name,
                "slug": c.collection.slug,
                "description": c.collection.description,
                "models": c.models,
            }
            for c in collections
        ],
        "pages": [],
    }
