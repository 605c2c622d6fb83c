"""The dispatcher's side of the outbox: claim due events, record how each attempt went.

A claim sets ``locked_until`` and counts the attempt in one guarded UPDATE, so API nodes sharing
the database never send the same event at once (PostgreSQL also skips rows another node is
claiming right now). An event is due only when every earlier event of its prediction is
delivered or given up: that is the strict per-prediction order. A node that dies mid-attempt
leaves a lock that simply expires, and the event is sent again with the same ``webhook-id``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import aliased

from mimeo.core.records import as_utc
from mimeo.store.tables import accounts, predictions, webhook_deliveries

deliveries = webhook_deliveries


@dataclass(frozen=True)
class Delivery:
    """One claimed event: everything one attempt needs."""

    id: str
    prediction_id: str
    account_id: int
    seq: int
    event: str
    url: str
    body: str
    attempts: int
    """Including the attempt about to be made."""
    due_at: datetime
    secret: str | None
    """The account's signing secret, None until someone first needs it."""


class DeliveryRepository:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._skip_locked = engine.dialect.name == "postgresql"

    async def claim(self, now: datetime, lock_seconds: float, limit: int) -> list[Delivery]:
        earlier = aliased(deliveries)
        waiting_on_earlier = exists().where(
            earlier.c.prediction_id == deliveries.c.prediction_id,
            earlier.c.seq < deliveries.c.seq,
            earlier.c.delivered_at.is_(None),
            earlier.c.failed_at.is_(None),
        )
        unlocked = or_(deliveries.c.locked_until.is_(None), deliveries.c.locked_until < now)
        due = (
            select(deliveries.c.id)
            .where(
                deliveries.c.delivered_at.is_(None),
                deliveries.c.failed_at.is_(None),
                deliveries.c.next_attempt_at <= now,
                unlocked,
                ~waiting_on_earlier,
            )
            .order_by(deliveries.c.next_attempt_at, deliveries.c.seq)
            .limit(limit)
        )
        if self._skip_locked:
            due = due.with_for_update(skip_locked=True)
        claim = (
            update(deliveries)
            .where(deliveries.c.id.in_(due), deliveries.c.delivered_at.is_(None), unlocked)
            .values(
                locked_until=now + timedelta(seconds=lock_seconds),
                attempts=deliveries.c.attempts + 1,
            )
            .returning(deliveries.c.id)
        )
        async with self._engine.begin() as conn:
            claimed = list((await conn.execute(claim)).scalars())
            if not claimed:
                return []
            rows = (
                await conn.execute(
                    select(deliveries, predictions.c.account_id, accounts.c.webhook_secret)
                    .join(predictions, predictions.c.id == deliveries.c.prediction_id)
                    .join(accounts, accounts.c.id == predictions.c.account_id)
                    .where(deliveries.c.id.in_(claimed))
                )
            ).all()
        return [
            Delivery(
                id=row.id,
                prediction_id=row.prediction_id,
                account_id=row.account_id,
                seq=row.seq,
                event=row.event,
                url=row.url,
                body=row.body,
                attempts=row.attempts,
                due_at=as_utc(row.due_at) or row.due_at,
                secret=row.webhook_secret,
            )
            for row in rows
        ]

    async def backlog(self) -> tuple[int, int]:
        """Events still to deliver, and events given up on: what an operator alerts on."""
        pending = deliveries.c.delivered_at.is_(None) & deliveries.c.failed_at.is_(None)
        query = select(
            func.count().filter(pending), func.count().filter(deliveries.c.failed_at.is_not(None))
        )
        async with self._engine.connect() as conn:
            waiting, failed = (await conn.execute(query)).one()
        return int(waiting), int(failed)

    async def delivered(self, delivery_id: str, now: datetime) -> None:
        await self._settle(delivery_id, delivered_at=now, last_error=None)

    async def retry_at(self, delivery_id: str, when: datetime, error: str) -> None:
        await self._settle(delivery_id, next_attempt_at=when, last_error=error)

    async def gave_up(self, delivery_id: str, now: datetime, error: str) -> None:
        await self._settle(delivery_id, failed_at=now, last_error=error)

    async def release(self, delivery_ids: list[str]) -> None:
        """Unlock claimed events whose attempt was abandoned (the server is stopping), so a
        restart sends them at once instead of after the lock expires. The attempt still
        counts: it may have reached the receiver."""
        if not delivery_ids:
            return
        async with self._engine.begin() as conn:
            await conn.execute(
                update(deliveries)
                .where(deliveries.c.id.in_(delivery_ids), deliveries.c.delivered_at.is_(None))
                .values(locked_until=None)
            )

    async def _settle(self, delivery_id: str, **values: object) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                update(deliveries)
                .where(and_(deliveries.c.id == delivery_id, deliveries.c.delivered_at.is_(None)))
                .values(locked_until=None, **values)
            )
