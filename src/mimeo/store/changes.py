"""What the queue tells an observer about each write, inside the write's own transaction.

An observer that records something (the webhook outbox) does it on the same connection, so the
record commits with the status change or not at all: no event is lost between the two.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncConnection

from mimeo.store.records import Prediction


class ChangeKind(StrEnum):
    CREATED = "created"
    STARTED = "started"
    PROGRESSED = "progressed"
    COMPLETED = "completed"


@dataclass(frozen=True)
class PredictionChange:
    kind: ChangeKind
    prediction: Prediction
    new_logs: bool = False
    new_output: bool = False


class ChangeHook(Protocol):
    async def __call__(self, conn: AsyncConnection, change: PredictionChange) -> None: ...
