"""Instance time, charged as workers heartbeat.

A private model's instances, and a deployment's, are billed from start to stop (setup and idle
time included), as Replicate bills them. Each heartbeat lists a worker's instances; for each
one somebody pays for, the time from its meter (or, the first time it is seen, from its start)
to now is charged and the meter moves to now, in one transaction. A retried or replayed
heartbeat therefore charges only the time since the one before, and a crash loses or doubles
nothing. The worker reports the instances that stopped since it was last heard, with their
stop time, until a heartbeat is answered: each is charged up to its stop and its meter closed,
so a stop reported twice is charged once. A meter whose instance vanished without a stop
report (a worker that restarted) is dropped; its last interval is not charged.

Who pays: the owner of the deployment the instance was started for or is kept warm for; else,
for a private model's instance, the model's owner; else nobody (a public model's predictions
are charged one by one).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from mimeo.billing.predictions import PRIVATE
from mimeo.core.money import span_microseconds
from mimeo.core.prices import PriceList
from mimeo.core.protocol import InstanceReport, WorkerStatus
from mimeo.core.records import as_utc
from mimeo.core.usage import EntryKind
from mimeo.store.ledger import Entry, post
from mimeo.store.tables import deployments, instance_meters, models, versions

METER_RETENTION = timedelta(days=1)
"""A meter not moved for this long belongs to a worker that is gone; the sweeper drops it."""


@dataclass(frozen=True)
class Payer:
    account_id: int
    model: str
    deployment: str | None


def instance_key(report: InstanceReport) -> str:
    """An instance is known by what it runs and when it started: nothing else is stable."""
    return f"{report.version}/{report.hardware}/{report.since.isoformat()}"


async def payer_of(conn: AsyncConnection, report: InstanceReport) -> Payer | None:
    deployment = report.deployment or report.serves
    if deployment is not None:
        owner, _, name = deployment.partition("/")
        kept = (
            await conn.execute(
                select(deployments.c.account_id, deployments.c.model).where(
                    deployments.c.owner == owner, deployments.c.name == name
                )
            )
        ).first()
        if kept is not None:
            return Payer(kept.account_id, kept.model, deployment)
    row = (
        await conn.execute(
            select(models.c.account_id, models.c.owner, models.c.name)
            .join(versions, versions.c.model_id == models.c.id)
            .where(versions.c.id == report.version, models.c.visibility == PRIVATE)
        )
    ).first()
    return None if row is None else Payer(row.account_id, f"{row.owner}/{row.name}", None)


@dataclass(frozen=True)
class Meter:
    billed_until: datetime
    closed: bool


async def _move_meter(
    conn: AsyncConnection,
    worker_id: str,
    key: str,
    meter: Meter | None,
    to: datetime,
    *,
    close: bool,
) -> bool:
    """Start or move the meter to ``to`` (closing it at a stop); False when another transaction
    got there first, or the meter is already closed or past ``to``."""
    if meter is not None:
        moved = await conn.execute(
            update(instance_meters)
            .where(
                instance_meters.c.worker_id == worker_id,
                instance_meters.c.instance == key,
                instance_meters.c.billed_until < to,
                instance_meters.c.closed.is_(False),
            )
            .values(billed_until=to, closed=close)
        )
        return bool(moved.rowcount)
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    started = (
        await conn.execute(
            dialect.insert(instance_meters)
            .values(worker_id=worker_id, instance=key, billed_until=to, closed=close)
            .on_conflict_do_nothing()
            .returning(instance_meters.c.instance)
        )
    ).first()
    return started is not None


class _Heartbeat:
    """One heartbeat's charges, on one connection: each billed instance's time from its meter
    (or its start) to ``to``."""

    def __init__(
        self, conn: AsyncConnection, worker_id: str, meters: dict[str, Meter], prices: PriceList
    ) -> None:
        self.conn = conn
        self.worker_id = worker_id
        self.meters = meters
        self.prices = prices
        self.charged: set[int] = set()

    async def charge(self, report: InstanceReport, to: datetime, *, stopped: bool) -> str | None:
        """The instance's meter key when somebody pays for it, else None."""
        payer = await payer_of(self.conn, report)
        if payer is None:
            return None
        key = instance_key(report)
        meter = self.meters.get(key)
        start = meter.billed_until if meter else min(as_utc(report.since) or to, to)
        if not await _move_meter(self.conn, self.worker_id, key, meter, to, close=stopped):
            return key
        duration = span_microseconds(to - start)
        entry = Entry(
            account_id=payer.account_id,
            kind=EntryKind.INSTANCE,
            amount_micros=-self.prices.cost(report.hardware, duration),
            duration_us=duration,
            hardware=report.hardware,
            model=payer.model,
            deployment=payer.deployment,
        )
        await post(self.conn, entry, to)
        self.charged.add(payer.account_id)
        return key


async def charge_instances(
    engine: AsyncEngine, status: WorkerStatus, now: datetime, prices: PriceList
) -> set[int]:
    """Charge the billed instances of one heartbeat, running ones up to now and stopped ones
    up to their stop; the accounts charged."""
    async with engine.begin() as conn:
        meters = {
            row.instance: Meter(as_utc(row.billed_until) or now, row.closed)
            for row in await conn.execute(
                select(instance_meters)
                .where(instance_meters.c.worker_id == status.worker_id)
                .with_for_update()
            )
        }
        heartbeat = _Heartbeat(conn, status.worker_id, meters, prices)
        running = {
            key
            for report in status.instances
            if (key := await heartbeat.charge(report, now, stopped=False)) is not None
        }
        for stop in status.stopped:
            stopped_at = min(as_utc(stop.stopped_at) or now, now)
            await heartbeat.charge(stop.instance, stopped_at, stopped=True)
        vanished = {key for key, meter in meters.items() if not meter.closed} - running
        if vanished:
            await conn.execute(
                delete(instance_meters).where(
                    instance_meters.c.worker_id == status.worker_id,
                    instance_meters.c.instance.in_(sorted(vanished)),
                    instance_meters.c.closed.is_(False),
                )
            )
    return heartbeat.charged


async def forget_workers(engine: AsyncEngine, now: datetime) -> None:
    """Drop the meters of workers long gone. Not at once when a worker is dropped from the
    registry: one that was only cut off comes back with the same instances, which must not be
    charged again from their start."""
    async with engine.begin() as conn:
        await conn.execute(
            delete(instance_meters).where(instance_meters.c.billed_until < now - METER_RETENTION)
        )
