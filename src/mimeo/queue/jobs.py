"""Queue operations over the ``predictions`` table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from mimeo.core.errors import Conflict, InvalidTransition
from mimeo.core.leases import LEASE_SECONDS, Fail, lease_expiry, on_lost_lease
from mimeo.core.protocol import Offer
from mimeo.core.status import TERMINAL, PredictionStatus, sources_of
from mimeo.store.changes import ChangeHook, ChangeKind, PredictionChange
from mimeo.store.records import Prediction, as_utc
from mimeo.store.tables import deployments, models, predictions

Clock = Callable[[], datetime]
DEADLINE_BEFORE_START = "The prediction's Cancel-After deadline passed before it could start."
UNCAPPED = 2**31 - 1
"""The cap of a prediction whose deployment was deleted while it waited: it still runs."""

# The claim's fairness and cap terms, built once: constructing them is most of a claim's cost.
_IN_FLIGHT = predictions.alias("in_flight")
_VERSION_LOAD = (
    select(func.count())
    .select_from(_IN_FLIGHT)
    .where(
        _IN_FLIGHT.c.version == predictions.c.version,
        _IN_FLIGHT.c.lease_owner.is_not(None),
    )
    .scalar_subquery()
)
_DEPLOYMENT_LOAD = (
    select(func.count())
    .select_from(_IN_FLIGHT)
    .where(
        _IN_FLIGHT.c.deployment == predictions.c.deployment,
        _IN_FLIGHT.c.lease_owner.is_not(None),
    )
    .scalar_subquery()
)
_DEPLOYMENT_CAP = (
    select(deployments.c.max_in_flight)
    .where(deployments.c.owner + "/" + deployments.c.name == predictions.c.deployment)
    .scalar_subquery()
)


def utc_now() -> datetime:
    return datetime.now(UTC)


class LeaseLost(Conflict):
    title = "Lease lost"


@dataclass(frozen=True)
class Claim:
    prediction: Prediction
    lease_expires_at: datetime
    claimed_at: datetime

    @property
    def queued_seconds(self) -> float:
        """From creation to this claim, on the queue's clock: the queue time a user sees."""
        return max(0.0, (self.claimed_at - self.prediction.created_at).total_seconds())


class PredictionQueue:
    def __init__(
        self,
        engine: AsyncEngine,
        clock: Clock = utc_now,
        lease_seconds: float = LEASE_SECONDS,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self.lease_seconds = lease_seconds
        self._skip_locked = engine.dialect.name == "postgresql"
        self.on_change: ChangeHook | None = None

    async def _changed(self, conn: AsyncConnection, change: PredictionChange) -> None:
        if self.on_change is not None:
            await self.on_change(conn, change)

    async def enqueue(self, **values: Any) -> Prediction:
        """Insert a prediction: the row is the queue entry, durable before its id is returned."""
        async with self._engine.begin() as conn:
            row = (
                await conn.execute(insert(predictions).values(**values).returning(predictions))
            ).one()
            prediction = Prediction.from_row(row)
            await self._changed(conn, PredictionChange(ChangeKind.CREATED, prediction))
        return prediction

    async def claim(self, worker_id: str, offer: Offer | None = None) -> Claim | None:
        """Lease the next queued prediction that fits ``offer`` (anything when None).

        Fair order: the version with the fewest predictions in flight goes first, so a flood of
        one model cannot starve another; within a version, creation order. A deployment never
        has more in flight than its ``max_in_flight`` across the fleet, and a prediction whose
        ``Cancel-After`` deadline has passed is left for the sweeper to cancel.
        """
        now = self._clock()
        expires = lease_expiry(now, self.lease_seconds)
        conditions = [
            predictions.c.status == PredictionStatus.STARTING,
            predictions.c.lease_owner.is_(None),
            or_(predictions.c.deadline_at.is_(None), predictions.c.deadline_at > now),
            or_(
                predictions.c.deployment.is_(None),
                func.coalesce(_DEPLOYMENT_CAP, UNCAPPED) > _DEPLOYMENT_LOAD,
            ),
        ]
        if offer is not None:
            conditions.append(
                or_(
                    predictions.c.hardware.in_(offer.startable_hardware),
                    *(
                        and_(
                            predictions.c.version == slot.version,
                            predictions.c.hardware == slot.hardware,
                        )
                        for slot in offer.warm
                    ),
                )
            )
        oldest = (
            select(predictions.c.id)
            .where(*conditions)
            .order_by(_VERSION_LOAD, predictions.c.created_at, predictions.c.id)
            .limit(1)
        )
        if self._skip_locked:
            oldest = oldest.with_for_update(skip_locked=True, of=predictions)
        statement = (
            update(predictions)
            .where(
                predictions.c.id == oldest.scalar_subquery(),
                predictions.c.status == PredictionStatus.STARTING,
                predictions.c.lease_owner.is_(None),
            )
            .values(
                lease_owner=worker_id,
                lease_expires_at=expires,
                attempts=predictions.c.attempts + 1,
            )
            .returning(predictions)
        )
        async with self._engine.begin() as conn:
            row = (await conn.execute(statement)).first()
        return None if row is None else Claim(Prediction.from_row(row), expires, now)

    async def heartbeat(self, prediction_id: str, worker_id: str) -> Prediction:
        """Extend the lease; the answer tells the worker whether a cancel was asked for."""
        now = self._clock()
        return await self._leased_update(
            prediction_id, worker_id, {"lease_expires_at": lease_expiry(now, self.lease_seconds)}
        )

    async def start(self, prediction_id: str, worker_id: str) -> Prediction:
        """The model began running this prediction: ``starting -> processing``."""
        return await self._transition(
            prediction_id,
            worker_id,
            PredictionStatus.PROCESSING,
            {"started_at": self._clock()},
            ChangeKind.STARTED,
        )

    async def progress(
        self,
        prediction_id: str,
        worker_id: str,
        *,
        logs: str = "",
        output: Any = None,
        has_output: bool = False,
    ) -> Prediction:
        """Append log text and replace the output so far, under the lease."""
        values: dict[str, Any] = {
            "lease_expires_at": lease_expiry(self._clock(), self.lease_seconds)
        }
        if logs:
            values["logs"] = predictions.c.logs + logs
        if has_output:
            values["output"] = output
        return await self._leased_update(
            prediction_id, worker_id, values, new_logs=bool(logs), new_output=has_output
        )

    async def finish(
        self,
        prediction_id: str,
        worker_id: str,
        status: PredictionStatus,
        *,
        output: Any = None,
        error: str | None = None,
        logs: str = "",
        metrics: dict[str, Any] | None = None,
    ) -> Prediction:
        """End a leased prediction in one transaction: status, result, metrics, lease released.

        ``predict_time`` comes from the model server when it reports one; ``total_time`` is
        measured here from creation.
        """
        if status not in TERMINAL:
            raise InvalidTransition(f"{status} is not a terminal status")
        now = self._clock()
        async with self._engine.begin() as conn:
            current = (
                await conn.execute(
                    select(
                        predictions.c.created_at,
                        predictions.c.started_at,
                        predictions.c.metrics,
                    ).where(predictions.c.id == prediction_id)
                )
            ).first()
            if current is None:
                raise LeaseLost(f"Prediction {prediction_id} does not exist")
            reported = {**(current.metrics or {}), **(metrics or {})}
            predict_time = float(reported.get("predict_time", 0.0))
            started = as_utc(current.started_at) or now - timedelta(seconds=predict_time)
            created = as_utc(current.created_at) or now
            reported.setdefault("predict_time", (now - started).total_seconds())
            reported["total_time"] = (now - created).total_seconds()
            values: dict[str, Any] = {
                "status": status,
                "output": output,
                "error": error,
                "completed_at": now,
                "started_at": started,
                "lease_owner": None,
                "lease_expires_at": None,
                "metrics": reported,
            }
            if logs:
                values["logs"] = predictions.c.logs + logs
            row = (
                await conn.execute(
                    update(predictions)
                    .where(
                        predictions.c.id == prediction_id,
                        predictions.c.lease_owner == worker_id,
                        predictions.c.status.in_(list(sources_of(status))),
                    )
                    .values(**values)
                    .returning(predictions)
                )
            ).first()
            if row is None:
                raise LeaseLost(f"Prediction {prediction_id} is not leased to {worker_id}")
            owner, _, name = row.model.partition("/")
            await conn.execute(
                update(models)
                .where(models.c.owner == owner, models.c.name == name)
                .values(run_count=models.c.run_count + 1)
            )
            prediction = Prediction.from_row(row)
            await self._changed(
                conn,
                PredictionChange(
                    ChangeKind.COMPLETED,
                    prediction,
                    new_logs=bool(logs),
                    new_output=output is not None,
                ),
            )
        return prediction

    async def cancel(self, prediction_id: str) -> Prediction:
        """Cancel: a queued prediction ends now; a running one is flagged for its worker."""
        now = self._clock()
        async with self._engine.begin() as conn:
            row = (
                await conn.execute(
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
                    )
                    .returning(predictions)
                )
            ).first()
            if row is None:
                row = (
                    await conn.execute(
                        update(predictions)
                        .where(
                            predictions.c.id == prediction_id,
                            predictions.c.status.not_in(list(TERMINAL)),
                        )
                        .values(cancel_requested=True)
                        .returning(predictions)
                    )
                ).first()
            else:
                await self._changed(
                    conn, PredictionChange(ChangeKind.COMPLETED, Prediction.from_row(row))
                )
        return Prediction.from_row(row) if row is not None else await self._get(prediction_id)

    async def requeue_expired(self) -> list[Prediction]:
        """Recover predictions whose worker stopped heartbeating: retry once, then fail."""
        now = self._clock()
        async with self._engine.begin() as conn:
            expired = (
                await conn.execute(
                    select(predictions).where(
                        predictions.c.lease_expires_at < now,
                        predictions.c.status.not_in(list(TERMINAL)),
                    )
                )
            ).all()
            changed: list[Prediction] = []
            for row in expired:
                decision = on_lost_lease(row.attempts)
                if row.cancel_requested:
                    values: dict[str, Any] = {
                        "status": PredictionStatus.CANCELED,
                        "completed_at": now,
                    }
                elif isinstance(decision, Fail):
                    values = {
                        "status": PredictionStatus.FAILED,
                        "error": decision.error,
                        "completed_at": now,
                    }
                else:
                    values = {
                        "status": PredictionStatus.STARTING,
                        "logs": predictions.c.logs
                        + "mimeo: the worker stopped responding; retrying on another instance\n",
                    }
                result = (
                    await conn.execute(
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
                    if prediction.status in TERMINAL:
                        await self._changed(
                            conn, PredictionChange(ChangeKind.COMPLETED, prediction)
                        )
        return changed

    async def hand_back(self, prediction_id: str, worker_id: str) -> Prediction:
        """A worker shutting down returns a prediction it could not finish: queued again as if
        never claimed (the attempt is not counted), its partial output dropped."""
        statement = (
            update(predictions)
            .where(
                predictions.c.id == prediction_id,
                predictions.c.lease_owner == worker_id,
                predictions.c.status.not_in(list(TERMINAL)),
            )
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
        async with self._engine.begin() as conn:
            row = (await conn.execute(statement)).first()
        if row is None:
            raise LeaseLost(f"Prediction {prediction_id} is not leased to {worker_id}")
        return Prediction.from_row(row)

    async def enforce_deadlines(self) -> list[Prediction]:
        """``Cancel-After``: a queued prediction past its deadline is canceled now; a running one
        is flagged, and its worker cancels it as it would for the user."""
        now = self._clock()
        changed: list[Prediction] = []
        async with self._engine.begin() as conn:
            queued = (
                await conn.execute(
                    update(predictions)
                    .where(
                        predictions.c.status == PredictionStatus.STARTING,
                        predictions.c.lease_owner.is_(None),
                        predictions.c.deadline_at < now,
                    )
                    .values(
                        status=PredictionStatus.CANCELED,
                        completed_at=now,
                        error=DEADLINE_BEFORE_START,
                        metrics={"predict_time": 0.0},
                    )
                    .returning(predictions)
                )
            ).all()
            for row in queued:
                prediction = Prediction.from_row(row)
                changed.append(prediction)
                await self._changed(conn, PredictionChange(ChangeKind.COMPLETED, prediction))
            running = (
                await conn.execute(
                    update(predictions)
                    .where(
                        predictions.c.lease_owner.is_not(None),
                        predictions.c.status.not_in(list(TERMINAL)),
                        predictions.c.cancel_requested.is_(False),
                        predictions.c.deadline_at < now,
                    )
                    .values(
                        cancel_requested=True,
                        logs=predictions.c.logs
                        + "mimeo: the Cancel-After deadline passed; canceling\n",
                    )
                    .returning(predictions)
                )
            ).all()
            changed.extend(Prediction.from_row(row) for row in running)
        return changed

    async def _transition(
        self,
        prediction_id: str,
        worker_id: str,
        target: PredictionStatus,
        values: dict[str, Any],
        kind: ChangeKind,
    ) -> Prediction:
        statement = (
            update(predictions)
            .where(
                predictions.c.id == prediction_id,
                predictions.c.lease_owner == worker_id,
                predictions.c.status.in_(list(sources_of(target))),
            )
            .values(status=target, **values)
            .returning(predictions)
        )
        async with self._engine.begin() as conn:
            row = (await conn.execute(statement)).first()
            if row is not None:
                prediction = Prediction.from_row(row)
                await self._changed(conn, PredictionChange(kind, prediction))
                return prediction
        current = await self._get(prediction_id)
        if current.lease_owner != worker_id:
            raise LeaseLost(f"Prediction {prediction_id} is not leased to {worker_id}")
        raise InvalidTransition(
            f"Prediction {prediction_id} cannot go from {current.status} to {target}"
        )

    async def _leased_update(
        self,
        prediction_id: str,
        worker_id: str,
        values: dict[str, Any],
        *,
        new_logs: bool = False,
        new_output: bool = False,
    ) -> Prediction:
        statement = (
            update(predictions)
            .where(
                and_(
                    predictions.c.id == prediction_id,
                    predictions.c.lease_owner == worker_id,
                    predictions.c.status.not_in(list(TERMINAL)),
                )
            )
            .values(**values)
            .returning(predictions)
        )
        async with self._engine.begin() as conn:
            row = (await conn.execute(statement)).first()
            if row is None:
                raise LeaseLost(f"Prediction {prediction_id} is not leased to {worker_id}")
            prediction = Prediction.from_row(row)
            if new_logs or new_output:
                await self._changed(
                    conn,
                    PredictionChange(
                        ChangeKind.PROGRESSED,
                        prediction,
                        new_logs=new_logs,
                        new_output=new_output,
                    ),
                )
        return prediction

    async def _get(self, prediction_id: str) -> Prediction:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(select(predictions).where(predictions.c.id == prediction_id))
            ).one()
        return Prediction.from_row(row)
