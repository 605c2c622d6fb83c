"""``/v1/admin/collections``: operators define collections and what is in them (a mimeo
extension; ``mimeo collections`` calls it). Guarded as the rest of ``/v1/admin`` is."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from mimeo.api.http.deps import ContextDep, OperatorDep
from mimeo.api.http.serializers import collection_json
from mimeo.core.identifiers import check_name

router = APIRouter(prefix="/v1/admin/collections", tags=["admin"], dependencies=[OperatorDep])


class CollectionFields(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    full_description: str | None = None
    """Markdown, shown with the collection's models."""


@router.put("/{slug}")
async def save_collection(slug: str, body: CollectionFields, context: ContextDep) -> dict[str, Any]:
    """Create the collection, or change its name and descriptions: the same call twice leaves
    one collection."""
    check_name("collection slug", slug)
    collection = await context.store.collections.save(
        slug, body.name, body.description, body.full_description
    )
    return {**collection_json(collection), "full_description": collection.full_description}


@router.delete("/{slug}", status_code=204)
async def delete_collection(slug: str, context: ContextDep) -> Response:
    await context.store.collections.delete(slug)
    return Response(status_code=204)


@router.put("/{slug}/models/{owner}/{name}", status_code=204)
async def add_model(slug: str, owner: str, name: str, context: ContextDep) -> Response:
    collection = await context.store.collections.get(slug)
    model = await context.store.catalog.get_model(owner, name)
    await context.store.collections.add(collection, model)
    return Response(status_code=204)


@router.delete("/{slug}/models/{owner}/{name}", status_code=204)
async def remove_model(slug: str, owner: str, name: str, context: ContextDep) -> Response:
    collection = await context.store.collections.get(slug)
    model = await context.store.catalog.get_model(owner, name)
    await context.store.collections.remove(collection, model)
    return Response(status_code=204)
