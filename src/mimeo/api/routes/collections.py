"""``/v1/collections``: the operator's named sets of models (``/v1/admin/collections`` makes
them). A collection shows each caller the models they may see: the public ones and their own."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from mimeo.api.http.deps import AccountDep, ContextDep, CursorDep
from mimeo.api.http.links import LinksDep
from mimeo.api.http.serializers import collection_json, collection_with_models_json, page_json

router = APIRouter(prefix="/v1/collections", tags=["collections"])


@router.get("")
async def list_collections(
    context: ContextDep, _account: AccountDep, cursor: CursorDep, links: LinksDep
) -> dict[str, Any]:
    page = await context.store.collections.page(cursor)
    return page_json(page, links.collections(), [collection_json(c) for c in page.results])


@router.get("/{collection_slug}")
async def get_collection(
    collection_slug: str, context: ContextDep, account: AccountDep, links: LinksDep
) -> dict[str, Any]:
    collection = await context.store.collections.get(collection_slug)
    models = await context.store.collections.models_in(collection, account)
    return collection_with_models_json(collection, models, links)
