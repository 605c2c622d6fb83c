"""The fleet registry: every worker's last status and when it was last heard.

A worker heartbeats every few seconds; one not heard for ``timeout`` is dropped from the
registry (its predictions' leases expire on their own and the sweeper recovers them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from mimeo.core.protocol import WorkerStatus
from mimeo.core.records import as_utc
from mimeo.store.tables import workers


@dataclass(frozen=True)
class RegisteredWorker:
    status: WorkerStatus
    registered_at: datetime
    heartbeat_at: datetime


class WorkerRegistry:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def heard(self, status: WorkerStatus, now: datetime) -> None:
        values = {"status": status.model_dump(mode="json"), "heartbeat_at": now}
        async with self._engine.begin() as conn:
            updated = await conn.execute(
                update(workers).where(workers.c.id == status.worker_id).values(**values)
            )
            if updated.rowcount == 0:
                await conn.execute(
                    insert(workers).values(id=status.worker_id, registered_at=now, **values)
                )

    async def live(self) -> list[RegisteredWorker]:
        async with self._engine.connect() as conn:
            rows = (await conn.execute(select(workers).order_by(workers.c.id))).all()
        return [
            RegisteredWorker(
                WorkerStatus.model_validate(row.status),
                as_utc(row.registered_at) or row.registered_at,
                as_utc(row.heartbeat_at) or row.heartbeat_at,
            )
            for row in rows
        ]

    async def drop_silent(self, now: datetime, timeout: float) -> list[str]:
        """Forget the workers not heard for ``timeout`` seconds; their ids."""
        cutoff = now - timedelta(seconds=timeout)
        async with self._engine.begin() as conn:
            dropped = await conn.execute(
                delete(workers).where(workers.c.heartbeat_at < cutoff).returning(workers.c.id)
            )
            return [str(worker_id) for worker_id in dropped.scalars()]
