"""What the sweeper does on every API node: recover predictions whose worker vanished and
enforce ``Cancel-After`` deadlines. Each write is guarded, so nodes sweeping at once do each
prediction's recovery once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from mimeo.core.changes import ChangeKind, PredictionChange
from mimeo.core.leases import Fail, on_lost_lease
from mimeo.core.records import Prediction
from mimeo.core.status import TERMINAL, PredictionStatus
from mimeo.queue.announcements import Transaction
from mimeo.queue.claims import QUEUED
from mimeo.queue.lifecycle import SECRETS_DROPPED
from mimeo.store.tables import predictions

DEADLINE_BEFORE_START = "The prediction's Cancel-After deadline passed before it could start."
RETRY_NOTE = "mimeo: the worker stopped responding; retrying on another instance\n"
DEADLINE_NOTE = "mimeo: the Cancel-After deadline passed; canceling\n"


def _recovery(row: Any, now: datetime) -> tuple[dict[str, Any], ChangeKind]:
    """Canceled if the user asked; failed after too many attempts; else queued for a retry."""
    if row.cancel_requested:
        values = {"status": PredictionStatus.CANCELED, "completed_at": now, **SECRETS_DROPPED}
        return values, ChangeKind.COMPLETED
    decision = on_lost_lease(row.attempts)
    if isinstance(decision, Fail):
        values = {
            "status": PredictionStatus.FAILED,
            "error": decision.error,
            "completed_at": now,
            **SECRETS_DROPPED,
        }
        return values, ChangeKind.COMPLETED
    values = {"status": PredictionStatus.STARTING, "logs": predictions.c.logs + RETRY_NOTE}
    return values, ChangeKind.REQUEUED


async def requeue_expired(tx: Transaction, now: datetime) -> list[Prediction]:
    expired = (
        await tx.conn.execute(
            select(predictions).where(
                predictions.c.lease_expires_at < now,
                predictions.c.status.not_in(list(TERMINAL)),
            )
        )
    ).all()
    changed: list[Prediction] = []
    for row in expired:
        values, kind = _recovery(row, now)
        result = (
            await tx.conn.execute(
                update(predictions)
                .where(
                    predictions.c.id == row.id,
                    predictions.c.lease_owner == row.lease_owner,
                    predictions.c.lease_expires_at < now,
                )
                .values(lease_owner=None, lease_expires_at=None, **values)
                .returning(predictions)
            )
        ).first()
        if result is not None:
            prediction = Prediction.from_row(result)
            changed.append(prediction)
            await tx.announce(PredictionChange(kind, prediction))
    return changed


async def enforce_deadlines(tx: Transaction, now: datetime) -> list[Prediction]:
    """A queued prediction past its deadline is canceled now; a running one is flagged, and its
    worker cancels it as it would for the user."""
    queued = (
        await tx.conn.execute(
            update(predictions)
            .where(
                QUEUED,
                predictions.c.deadline_at < now,
            )
            .values(
                status=PredictionStatus.CANCELED,
                completed_at=now,
                error=DEADLINE_BEFORE_START,
                metrics={"predict_time": 0.0},
                **SECRETS_DROPPED,
            )
            .returning(predictions)
        )
    ).all()
    running = (
        await tx.conn.execute(
            update(predictions)
            .where(
                predictions.c.lease_owner.is_not(None),
                predictions.c.status.not_in(list(TERMINAL)),
                predictions.c.cancel_requested.is_(False),
                predictions.c.deadline_at < now,
            )
            .values(cancel_requested=True, logs=predictions.c.logs + DEADLINE_NOTE)
            .returning(predictions)
        )
    ).all()
    changed: list[Prediction] = []
    for rows, kind in ((queued, ChangeKind.COMPLETED), (running, ChangeKind.CANCEL_REQUESTED)):
        for row in rows:
            prediction = Prediction.from_row(row)
            changed.append(prediction)
            await tx.announce(PredictionChange(kind, prediction))
    return changed
