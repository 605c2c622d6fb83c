"""Prediction changes told to every API node through PostgreSQL ``NOTIFY``.

The notification is sent from inside the change's own transaction, so PostgreSQL delivers it
when (and only if) the change commits. It carries ids, not data: a node that hears it reads the
row, so a lost notification costs latency (streams and claims re-check on their own), never
correctness.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from mimeo.core.changes import CHANNEL, ChangeNotice, PredictionChange


class ChangeNotifier:
    """The queue's recorder on PostgreSQL: one ``pg_notify`` per change, in its transaction."""

    def __init__(self, node: str) -> None:
        self.node = node

    async def __call__(self, conn: AsyncConnection, change: PredictionChange) -> None:
        notice = ChangeNotice(change.prediction.id, self.node, change.frees_work)
        await conn.execute(select(func.pg_notify(CHANNEL, notice.payload())))
