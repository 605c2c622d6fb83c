"""Every queue write runs in a ``Transaction`` that announces what it changed.

Two kinds of subscriber hear a change. A *recorder* (the webhook outbox) writes on the same
connection, inside the transaction, so its record commits with the status change or not at all.
A *listener* (the event bus) hears it once the transaction has committed, so nobody is woken to
read a row that is not there yet, nor told of a change that was rolled back.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from mimeo.core.changes import PredictionChange


class ChangeRecorder(Protocol):
    async def __call__(self, conn: AsyncConnection, change: PredictionChange) -> None: ...


ChangeListener = Callable[[PredictionChange], Awaitable[None]]


@dataclass
class Transaction:
    conn: AsyncConnection
    recorders: list[ChangeRecorder]
    changes: list[PredictionChange] = field(default_factory=list)

    async def announce(self, change: PredictionChange) -> None:
        for record in self.recorders:
            await record(self.conn, change)
        self.changes.append(change)


class Announcements:
    def __init__(self) -> None:
        self._recorders: list[ChangeRecorder] = []
        self._listeners: list[ChangeListener] = []

    def record_with(self, recorder: ChangeRecorder) -> None:
        self._recorders.append(recorder)

    def listen(self, listener: ChangeListener) -> None:
        self._listeners.append(listener)

    @contextlib.asynccontextmanager
    async def transaction(self, engine: AsyncEngine) -> AsyncIterator[Transaction]:
        async with engine.begin() as conn:
            transaction = Transaction(conn, self._recorders)
            yield transaction
        for change in transaction.changes:
            for listener in self._listeners:
                await listener(change)
