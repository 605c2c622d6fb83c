"""A model's examples: predictions its owner chose to show, as Replicate's model pages do."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from mimeo.core.errors import NotFound
from mimeo.core.pagination import PAGE_SIZE, Cursor, Page
from mimeo.core.records import Model, Prediction
from mimeo.store.integrity import violates_unique
from mimeo.store.paging import fetch_page
from mimeo.store.tables import model_examples, predictions


class ExampleRepository:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def add(self, model: Model, prediction: Prediction) -> None:
        """Marking an example twice changes nothing. Whether the prediction may be an example
        (succeeded, of this model, the owner's) is the caller's to check."""
        try:
            async with self._engine.begin() as conn:
                await conn.execute(
                    insert(model_examples).values(
                        model_id=model.id, prediction_id=prediction.id, added_at=datetime.now(UTC)
                    )
                )
        except IntegrityError as error:
            if not violates_unique(error):
                raise

    async def remove(self, model: Model, prediction_id: str) -> None:
        async with self._engine.begin() as conn:
            result = await conn.execute(
                delete(model_examples).where(
                    model_examples.c.model_id == model.id,
                    model_examples.c.prediction_id == prediction_id,
                )
            )
        if result.rowcount == 0:
            raise NotFound(f"Prediction {prediction_id} is not an example of {model.full_name}")

    async def page(
        self, model: Model, cursor: Cursor | None, page_size: int = PAGE_SIZE
    ) -> Page[Prediction]:
        """Newest prediction first, paged as every prediction list is."""
        query = (
            select(predictions)
            .join(model_examples, model_examples.c.prediction_id == predictions.c.id)
            .where(model_examples.c.model_id == model.id)
        )
        async with self._engine.connect() as conn:
            return await fetch_page(
                conn,
                query,
                predictions.c.created_at,
                predictions.c.id,
                cursor,
                Prediction.from_row,
                page_size,
            )

    async def newest(self, model: Model) -> Prediction | None:
        """The model's default example: its newest."""
        page = await self.page(model, None, page_size=1)
        return page.results[0] if page.results else None
