"""Prediction and credential changes told to every API node through PostgreSQL ``NOTIFY``.

The notification is sent from inside the change's own transaction, so PostgreSQL delivers it
when (and only if) the change commits. It carries ids, not data: a node that hears it reads the
row, so a lost notification costs latency (streams and claims re-check on their own), never
correctness. A credential notice tells nodes to forget their cached tokens; a node that is not
listening (its connection lost) uses no cache, so none can miss one.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from mimeo.core.accounts import CREDENTIALS_CHANNEL
from mimeo.core.changes import CHANNEL, ChangeNotice, PredictionChange

NOTIFY_CHANGE = select(func.pg_notify(CHANNEL, bindparam("payload")))
"""Built once, as it is sent with every change to a prediction: a statement built per call has
its cache key derived from its whole tree each time."""


class ChangeNotifier:
    """The queue's recorder on PostgreSQL: one ``pg_notify`` per change, in its transaction."""

    def __init__(self, node: str) -> None:
        self.node = node

    async def __call__(self, conn: AsyncConnection, change: PredictionChange) -> None:
        notice = ChangeNotice(change.prediction.id, self.node, change.frees_work)
        await conn.execute(NOTIFY_CHANGE, {"payload": notice.payload()})


class CredentialChanges:
    """Tells the token caches that a token was revoked, an account disabled or a membership
    changed: this process's caches once the change commits, and on PostgreSQL every other
    node's through ``NOTIFY``, sent with the change's own transaction."""

    def __init__(self) -> None:
        self._listeners: list[Callable[[], None]] = []

    def listen(self, forget: Callable[[], None]) -> None:
        self._listeners.append(forget)

    @contextlib.asynccontextmanager
    async def changing(self, engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
        """A transaction whose commit is told; nothing is told if it fails."""
        async with engine.begin() as conn:
            yield conn
            if conn.dialect.name == "postgresql":
                await conn.execute(select(func.pg_notify(CREDENTIALS_CHANNEL, "")))
        for forget in self._listeners:
            forget()
