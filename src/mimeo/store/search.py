"""Searching the catalogue: models by their owner, name, description and README, and
collections by their slug, name and description (``core.search_terms`` says what matches)."""

from __future__ import annotations

import operator
from dataclasses import dataclass
from functools import reduce

from sqlalchemy import ColumnElement, and_, case, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from mimeo.core.pagination import Cursor, Page
from mimeo.core.records import Account, Collection, Model
from mimeo.core.search_terms import Weight, like_pattern, relevance
from mimeo.store.catalog import MODEL_COLUMNS, model_with_latest, visible_to
from mimeo.store.paging import fetch_page
from mimeo.store.tables import collection_models, collections, models


@dataclass(frozen=True)
class ScoredModel:
    model: Model
    score: float


@dataclass(frozen=True)
class FoundCollection:
    collection: Collection
    models: list[str]
    """``owner/name`` of its models the caller may see."""


def _matches_every_term(terms: list[str]) -> ColumnElement[bool]:
    fields = (models.c.owner, models.c.name, models.c.description, models.c.readme)
    return and_(*(or_(*(field.ilike(like_pattern(term)) for field in fields)) for term in terms))


def _points(terms: list[str]) -> ColumnElement[int]:
    weighted = (
        (models.c.name, Weight.NAME),
        (models.c.owner, Weight.OWNER),
        (models.c.description, Weight.DESCRIPTION),
        (models.c.readme, Weight.README),
    )
    parts = [
        case((field.ilike(like_pattern(term)), int(weight)), else_=0)
        for term in terms
        for field, weight in weighted
    ]
    total: ColumnElement[int] = reduce(operator.add, parts)
    return total


class CatalogueSearch:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def models_page(
        self, terms: list[str], viewer: Account | None, cursor: Cursor | None
    ) -> Page[Model]:
        """Matching models, newest first and paged (``QUERY /v1/models``)."""
        if not terms:
            return Page([], None, None)
        query = select(*MODEL_COLUMNS).where(visible_to(viewer), _matches_every_term(terms))
        async with self._engine.connect() as conn:
            page = await fetch_page(
                conn, query, models.c.created_at, models.c.id, cursor, lambda row: row
            )
            results = [await model_with_latest(conn, row) for row in page.results]
        return Page(results, page.next, page.previous)

    async def ranked_models(
        self, terms: list[str], viewer: Account | None, limit: int
    ) -> list[ScoredModel]:
        """The best ``limit`` matches (``GET /v1/search``): by score, then by runs."""
        if not terms:
            return []
        points = _points(terms).label("points")
        query = (
            select(*MODEL_COLUMNS, points)
            .where(visible_to(viewer), _matches_every_term(terms))
            .order_by(points.desc(), models.c.run_count.desc(), models.c.id.desc())
            .limit(limit)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
            return [
                ScoredModel(await model_with_latest(conn, row), relevance(row.points, terms))
                for row in rows
            ]

    async def collections(
        self, terms: list[str], viewer: Account | None, limit: int
    ) -> list[FoundCollection]:
        """Collections whose slug, name or description holds every term."""
        if not terms:
            return []
        fields = (collections.c.slug, collections.c.name, collections.c.description)
        matches = and_(
            *(or_(*(field.ilike(like_pattern(term)) for field in fields)) for term in terms)
        )
        found_query = select(collections).where(matches).order_by(collections.c.slug).limit(limit)
        async with self._engine.connect() as conn:
            found = [Collection.from_row(row) for row in (await conn.execute(found_query)).all()]
            names_query = (
                select(collection_models.c.collection_id, models.c.owner, models.c.name)
                .join(models, models.c.id == collection_models.c.model_id)
                .where(
                    collection_models.c.collection_id.in_([c.id for c in found]),
                    visible_to(viewer),
                )
                .order_by(collection_models.c.added_at, models.c.id)
            )
            names = (await conn.execute(names_query)).all() if found else []
        return [
            FoundCollection(
                c, [f"{row.owner}/{row.name}" for row in names if row.collection_id == c.id]
            )
            for c in found
        ]
