"""A prediction's life under the queue: created, started, progressing, finished, canceled or
handed back. Each write is a guarded ``UPDATE`` (zero rows means the transition was not allowed
or the lease is no longer the caller's) and announces what it changed.

A prediction's sealed secret inputs stay while it may still run (a retry needs them) and go in
the very write that ends it: every ending sets ``SECRETS_DROPPED``.

The statements a prediction meets on every run (created, finished, the run counted) are built
once and their values bound at execution: SQLAlchemy then finds their compiled form by a cache
key it keeps on the statement, instead of building a statement and deriving its key each time.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Update, bindparam, func, insert, or_, select, update

from mimeo.core.changes import ChangeKind, PredictionChange
from mimeo.core.errors import InvalidTransition, LeaseLost
from mimeo.core.prediction_metrics import final_timing
from mimeo.core.records import NewPrediction, Prediction, as_utc
from mimeo.core.status import TERMINAL, PredictionStatus, sources_of
from mimeo.queue.announcements import Transaction
from mimeo.store.catalog import COUNTED_RUN
from mimeo.store.tables import predictions

SECRETS_DROPPED: dict[str, Any] = {"sealed_secrets": None}
"""Part of every write that ends a prediction."""
UNCHANGED: Any = object()
"""``output`` of a progress report that carries no new output (``None`` is an output)."""


def _leased(prediction_id: str, worker_id: str) -> tuple[ColumnElement[bool], ...]:
    """The guard of every write a worker makes: the prediction is still leased to it."""
    return (predictions.c.id == prediction_id, predictions.c.lease_owner == worker_id)


ENQUEUE = insert(predictions).returning(predictions)
TIMING = select(predictions.c.created_at, predictions.c.started_at, predictions.c.metrics).where(
    predictions.c.id == bindparam("prediction_id")
)
FINISH_VALUES = (
    "status",
    "output",
    "error",
    "completed_at",
    "started_at",
    "lease_owner",
    "lease_expires_at",
    "metrics",
    "sealed_secrets",
)
"""What a finish writes; ``sealed_secrets`` is dropped (``SECRETS_DROPPED``) as it ends."""


@cache
def _finish_statement(status: PredictionStatus, new_logs: bool) -> Update:
    """The guarded write of a terminal status, from the statuses that may reach it; execute it
    with ``prediction_id``, ``worker_id``, ``new_logs`` (when appended) and ``FINISH_VALUES``
    prefixed ``new_``. A start already written is kept over ``new_started_at``. The source
    statuses are compared one by one rather than as an ``IN`` list, whose parameters
    SQLAlchemy expands anew at every execution."""
    values: dict[str, Any] = {name: bindparam(f"new_{name}") for name in FINISH_VALUES}
    values["started_at"] = func.coalesce(predictions.c.started_at, values["started_at"])
    if new_logs:
        values["logs"] = predictions.c.logs + bindparam("new_logs", type_=predictions.c.logs.type)
    return (
        update(predictions)
        .where(
            predictions.c.id == bindparam("prediction_id"),
            predictions.c.lease_owner == bindparam("worker_id"),
            or_(*(predictions.c.status == source for source in sorted(sources_of(status)))),
        )
        .values(values)
        .returning(predictions)
    )


async def enqueue(
    tx: Transaction, new: NewPrediction, now: datetime, lease: dict[str, Any] | None = None
) -> Prediction:
    """``lease``: the prediction is created already claimed (``lease_owner``,
    ``lease_expires_at``), its first attempt counted as a claim counts it."""
    deadline = (
        None
        if new.cancel_after_seconds is None
        else now + timedelta(seconds=new.cancel_after_seconds)
    )
    values = {
        "id": new.id,
        "account_id": new.account_id,
        "model": new.model,
        "version": new.version,
        "input": new.input,
        "status": PredictionStatus.STARTING,
        "source": new.source,
        "logs": "",
        "metrics": {},
        "created_at": now,
        "deadline_at": deadline,
        "webhook": new.webhook,
        "webhook_events_filter": new.webhook_events_filter,
        "hardware": new.hardware,
        "deployment": new.deployment,
        "sealed_secrets": new.sealed_secrets,
        "kind": new.kind,
        "destination": new.destination,
    }
    if lease is not None:
        values.update(lease, attempts=1)
    row = (await tx.conn.execute(ENQUEUE, values)).one()
    prediction = Prediction.from_row(row)
    await tx.announce(PredictionChange(ChangeKind.CREATED, prediction))
    return prediction


async def transition(
    tx: Transaction,
    prediction_id: str,
    worker_id: str,
    target: PredictionStatus,
    values: dict[str, Any],
    kind: ChangeKind,
    *,
    new_logs: bool = False,
    new_output: bool = False,
) -> Prediction:
    row = (
        await tx.conn.execute(
            update(predictions)
            .where(
                *_leased(prediction_id, worker_id),
                predictions.c.status.in_(list(sources_of(target))),
            )
            .values(status=target, **values)
            .returning(predictions)
        )
    ).first()
    if row is None:
        current = await _get(tx, prediction_id)
        if current.lease_owner != worker_id:
            raise LeaseLost(f"Prediction {prediction_id} is not leased to {worker_id}")
        raise InvalidTransition(
            f"Prediction {prediction_id} cannot go from {current.status} to {target}"
        )
    prediction = Prediction.from_row(row)
    await tx.announce(PredictionChange(kind, prediction, new_logs=new_logs, new_output=new_output))
    return prediction


async def leased_update(
    tx: Transaction,
    prediction_id: str,
    worker_id: str,
    values: dict[str, Any],
    *,
    new_logs: bool = False,
    new_output: bool = False,
) -> Prediction:
    """Write under the lease without a status change: progress, or a bare heartbeat."""
    row = (
        await tx.conn.execute(
            update(predictions)
            .where(*_leased(prediction_id, worker_id), predictions.c.status.not_in(list(TERMINAL)))
            .values(**values)
            .returning(predictions)
        )
    ).first()
    if row is None:
        raise LeaseLost(f"Prediction {prediction_id} is not leased to {worker_id}")
    prediction = Prediction.from_row(row)
    if new_logs or new_output:
        await tx.announce(
            PredictionChange(
                ChangeKind.PROGRESSED, prediction, new_logs=new_logs, new_output=new_output
            )
        )
    return prediction


def progress_values(logs: str, output: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if logs:
        values["logs"] = predictions.c.logs + logs
    if output is not UNCHANGED:
        values["output"] = output
    return values


async def finish(
    tx: Transaction,
    prediction_id: str,
    worker_id: str,
    status: PredictionStatus,
    now: datetime,
    *,
    output: Any,
    error: str | None,
    logs: str,
    metrics: dict[str, Any],
    created_at: datetime | None = None,
) -> Prediction:
    """Status, result, metrics and the released lease in one write; the model's run counted.

    ``created_at``, where the caller knows it, spares reading the prediction's timestamps back
    when the model timed itself (``predict_time``): until it ends a prediction has no metrics,
    and the write keeps a start already recorded over the one dated from ``predict_time``."""
    if status not in TERMINAL:
        raise InvalidTransition(f"{status} is not a terminal status")
    if created_at is not None and "predict_time" in metrics:
        timing = final_timing({}, metrics, created_at, None, now)
    else:
        current = (await tx.conn.execute(TIMING, {"prediction_id": prediction_id})).first()
        if current is None:
            raise LeaseLost(f"Prediction {prediction_id} does not exist")
        timing = final_timing(
            current.metrics or {},
            metrics,
            as_utc(current.created_at),
            as_utc(current.started_at),
            now,
        )
    values: dict[str, Any] = {
        "prediction_id": prediction_id,
        "worker_id": worker_id,
        "new_status": status,
        "new_output": output,
        "new_error": error,
        "new_completed_at": now,
        "new_started_at": timing.started_at,
        "new_lease_owner": None,
        "new_lease_expires_at": None,
        "new_metrics": timing.metrics,
        "new_sealed_secrets": None,
    }
    if logs:
        values["new_logs"] = logs
    row = (await tx.conn.execute(_finish_statement(status, bool(logs)), values)).first()
    if row is None:
        raise LeaseLost(f"Prediction {prediction_id} is not leased to {worker_id}")
    owner, _, name = row.model.partition("/")
    counted = await tx.conn.execute(COUNTED_RUN, {"model_owner": owner, "model_name": name})
    prediction = Prediction.from_row(row)
    await tx.announce(
        PredictionChange(
            ChangeKind.COMPLETED,
            prediction,
            new_logs=bool(logs),
            new_output=output is not None,
            model_visibility=counted.scalar_one_or_none(),
        )
    )
    return prediction


async def cancel(tx: Transaction, prediction_id: str, now: datetime) -> Prediction:
    """A queued prediction ends now; a running one is flagged for its worker; an ended one is
    returned as it is."""
    row = (
        await tx.conn.execute(
            update(predictions)
            .where(
                predictions.c.id == prediction_id,
                predictions.c.status == PredictionStatus.STARTING,
                predictions.c.lease_owner.is_(None),
            )
            .values(
                status=PredictionStatus.CANCELED,
                completed_at=now,
                metrics={"predict_time": 0.0, "total_time": 0.0},
                **SECRETS_DROPPED,
            )
            .returning(predictions)
        )
    ).first()
    if row is not None:
        prediction = Prediction.from_row(row)
        await tx.announce(PredictionChange(ChangeKind.COMPLETED, prediction))
        return prediction
    row = (
        await tx.conn.execute(
            update(predictions)
            .where(
                predictions.c.id == prediction_id,
                predictions.c.status.not_in(list(TERMINAL)),
                predictions.c.cancel_requested.is_(False),
            )
            .values(cancel_requested=True)
            .returning(predictions)
        )
    ).first()
    if row is not None:
        prediction = Prediction.from_row(row)
        await tx.announce(PredictionChange(ChangeKind.CANCEL_REQUESTED, prediction))
        return prediction
    return await _get(tx, prediction_id)


async def hand_back(tx: Transaction, prediction_id: str, worker_id: str) -> Prediction:
    """Queued again as if never claimed (the attempt is not counted), partial output dropped."""
    row = (
        await tx.conn.execute(
            update(predictions)
            .where(*_leased(prediction_id, worker_id), predictions.c.status.not_in(list(TERMINAL)))
            .values(
                status=PredictionStatus.STARTING,
                lease_owner=None,
                lease_expires_at=None,
                started_at=None,
                output=None,
                attempts=predictions.c.attempts - 1,
                logs=predictions.c.logs
                + "mimeo: the worker shut down before finishing; queued again\n",
            )
            .returning(predictions)
        )
    ).first()
    if row is None:
        raise LeaseLost(f"Prediction {prediction_id} is not leased to {worker_id}")
    prediction = Prediction.from_row(row)
    await tx.announce(PredictionChange(ChangeKind.REQUEUED, prediction))
    return prediction


async def _get(tx: Transaction, prediction_id: str) -> Prediction:
    row = (
        await tx.conn.execute(select(predictions).where(predictions.c.id == prediction_id))
    ).one()
    return Prediction.from_row(row)
