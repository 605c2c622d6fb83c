"""Collections: an operator's named sets of models, and the models in each."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from mimeo.core.errors import NotFound
from mimeo.core.pagination import Cursor, Page
from mimeo.core.records import Account, Collection, Model
from mimeo.store.catalog import MODEL_COLUMNS, model_with_latest, visible_to
from mimeo.store.integrity import violates_unique
from mimeo.store.paging import fetch_page
from mimeo.store.tables import collection_models, collections, models


class CollectionRepository:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def save(
        self, slug: str, name: str, description: str, full_description: str | None = None
    ) -> Collection:
        """Create the collection, or rename and redescribe it: operators (and ``mimeo serve``
        at every start) define collections idempotently."""
        values = {"name": name, "description": description, "full_description": full_description}
        async with self._engine.begin() as conn:
            changed = await conn.execute(
                update(collections).where(collections.c.slug == slug).values(**values)
            )
            if changed.rowcount == 0:
                await conn.execute(
                    insert(collections).values(slug=slug, created_at=datetime.now(UTC), **values)
                )
        return await self.get(slug)

    async def get(self, slug: str) -> Collection:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(select(collections).where(collections.c.slug == slug))
            ).first()
        if row is None:
            raise NotFound(f"Collection {slug} not found")
        return Collection.from_row(row)

    async def delete(self, slug: str) -> None:
        async with self._engine.begin() as conn:
            result = await conn.execute(delete(collections).where(collections.c.slug == slug))
        if result.rowcount == 0:
            raise NotFound(f"Collection {slug} not found")

    async def page(self, cursor: Cursor | None) -> Page[Collection]:
        async with self._engine.connect() as conn:
            return await fetch_page(
                conn,
                select(collections),
                collections.c.created_at,
                collections.c.id,
                cursor,
                Collection.from_row,
            )

    async def add(self, collection: Collection, model: Model) -> None:
        """Adding a model already in the collection changes nothing."""
        try:
            async with self._engine.begin() as conn:
                await conn.execute(
                    insert(collection_models).values(
                        collection_id=collection.id, model_id=model.id, added_at=datetime.now(UTC)
                    )
                )
        except IntegrityError as error:
            if not violates_unique(error):
                raise

    async def remove(self, collection: Collection, model: Model) -> None:
        async with self._engine.begin() as conn:
            result = await conn.execute(
                delete(collection_models).where(
                    collection_models.c.collection_id == collection.id,
                    collection_models.c.model_id == model.id,
                )
            )
        if result.rowcount == 0:
            raise NotFound(f"Model {model.full_name} is not in collection {collection.slug}")

    async def models_in(self, collection: Collection, viewer: Account | None) -> list[Model]:
        """The collection's models that the caller may see, in the order they were added."""
        query = (
            select(*MODEL_COLUMNS)
            .join(collection_models, collection_models.c.model_id == models.c.id)
            .where(collection_models.c.collection_id == collection.id, visible_to(viewer))
            .order_by(collection_models.c.added_at, models.c.id)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
            return [await model_with_latest(conn, row) for row in rows]

    async def slugs_by_model(self, model_ids: list[int]) -> dict[int, list[str]]:
        """The collections each model is in (search answers them as the model's tags)."""
        if not model_ids:
            return {}
        query = (
            select(collection_models.c.model_id, collections.c.slug)
            .join(collections, collections.c.id == collection_models.c.collection_id)
            .where(collection_models.c.model_id.in_(model_ids))
            .order_by(collections.c.slug)
        )
        tags: dict[int, list[str]] = defaultdict(list)
        async with self._engine.connect() as conn:
            for model_id, slug in (await conn.execute(query)).all():
                tags[model_id].append(slug)
        return dict(tags)
