"""Prediction rows as the API reads them. Creating and every status write belong to
``mimeo.queue``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from mimeo.core.errors import NotFound
from mimeo.core.pagination import PAGE_SIZE, Cursor, Page
from mimeo.core.records import PREDICTION, TRAINING, Prediction, as_utc
from mimeo.core.status import TERMINAL
from mimeo.store.paging import fetch_page
from mimeo.store.tables import predictions


@dataclass(frozen=True)
class ModelLoad:
    """Predictions of one model on one hardware SKU (and deployment) that are not over yet."""

    model: str
    hardware: str
    deployment: str | None
    queued: int
    running: int
    oldest_queued_at: datetime | None


@dataclass(frozen=True)
class StatusCount:
    model: str
    status: str
    count: int


class PredictionRepository:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def get(
        self, prediction_id: str, account_id: int | None = None, kind: str | None = None
    ) -> Prediction:
        """Scoped to an account when given: another account's prediction is simply not found;
        scoped to a kind when given: a training is not a prediction under ``/v1/predictions``."""
        query = select(predictions).where(predictions.c.id == prediction_id)
        if account_id is not None:
            query = query.where(predictions.c.account_id == account_id)
        if kind is not None:
            query = query.where(predictions.c.kind == kind)
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            what = "Training" if kind == TRAINING else "Prediction"
            raise NotFound(f"{what} {prediction_id} not found")
        return Prediction.from_row(row)

    async def list_for_account(
        self,
        account_id: int,
        cursor: Cursor | None,
        page_size: int = PAGE_SIZE,
        kind: str = PREDICTION,
        *,
        status: str | None = None,
        model: str | None = None,
    ) -> Page[Prediction]:
        """Newest first, one kind only (predictions and trainings are listed apart, as on
        Replicate); ``status`` and ``model`` narrow it (the web UI's history filters)."""
        query = select(predictions).where(
            predictions.c.account_id == account_id, predictions.c.kind == kind
        )
        if status is not None:
            query = query.where(predictions.c.status == status)
        if model is not None:
            query = query.where(predictions.c.model == model)
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

    async def load_by_model(self) -> list[ModelLoad]:
        """What autoscalers watch: per model and hardware, predictions waiting for a worker
        (no lease) and those a worker holds."""
        leased = predictions.c.lease_owner.is_not(None)
        query = (
            select(
                predictions.c.model,
                predictions.c.hardware,
                predictions.c.deployment,
                func.count().filter(~leased),
                func.count().filter(leased),
                func.min(predictions.c.created_at).filter(~leased),
            )
            .where(predictions.c.status.not_in(list(TERMINAL)))
            .group_by(predictions.c.model, predictions.c.hardware, predictions.c.deployment)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [
            ModelLoad(model, hardware, deployment, queued, running, as_utc(oldest))
            for model, hardware, deployment, queued, running, oldest in rows
        ]

    async def count_by_status(self) -> list[StatusCount]:
        query = select(predictions.c.model, predictions.c.status, func.count()).group_by(
            predictions.c.model, predictions.c.status
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [StatusCount(model, str(status), count) for model, status, count in rows]
