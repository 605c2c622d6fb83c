"""Which queued prediction a worker gets next: the claim's fairness, caps and fit.

Fair order: the version with the fewest predictions in flight goes first, so a flood of one
model cannot starve another; within a version, creation order. A deployment never has more in
flight than its ``max_in_flight`` across the fleet, and a prediction whose ``Cancel-After``
deadline has passed is left for the sweeper to cancel. The same SQL runs on SQLite and on
PostgreSQL, where ``FOR UPDATE SKIP LOCKED`` keeps concurrent claims from waiting on each other.

The statement is built once per offer shape and kept: the worker, the clock and the lease's
expiry are bound at execution. Building it and deriving SQLAlchemy's cache key from its tree cost
more than the claim itself (~1.5 ms a call); a kept statement memoizes its key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Select,
    String,
    Update,
    and_,
    bindparam,
    cast,
    exists,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    true,
    union,
    union_all,
    update,
)

from mimeo.core.hardware import SKUS
from mimeo.core.protocol import Offer
from mimeo.core.records import Prediction
from mimeo.core.status import PredictionStatus
from mimeo.store.tables import deployments, predictions

UNCAPPED = 2**31 - 1
"""The cap of a prediction whose deployment was deleted while it waited: it still runs."""

SKU_NAMES = tuple(sku.sku for sku in SKUS)
# The literal matches the partial indexes' predicate, so both databases use them.
QUEUED = and_(
    predictions.c.status == literal_column("'starting'"), predictions.c.lease_owner.is_(None)
)
_IN_FLIGHT = predictions.alias("in_flight")
_ROW = predictions.alias("queued_row")
STATEMENTS_KEPT = 256
"""Claim statements kept, one per distinct offer (hardware SKUs, warm slots and their kinds)
seen lately."""


def _queued_versions() -> CTE:
    """Every version with a queued prediction, found by hopping along the index (a loose index
    scan): as many steps as there are versions, however many predictions each one has."""
    versions = (
        select(func.min(predictions.c.version).label("version"))
        .where(QUEUED)
        .cte("queued_versions", recursive=True)
    )
    following = (
        select(func.min(predictions.c.version))
        .where(QUEUED, predictions.c.version > versions.c.version)
        .scalar_subquery()
    )
    return versions.union_all(select(following).where(versions.c.version.is_not(None)))


def _candidates(
    startable: tuple[str, ...], warm: tuple[tuple[str, str, str], ...]
) -> Select[Any, Any, Any]:
    """(version, hardware, kind) triples this worker could take: a queued version on hardware
    it can start (either kind: a NULL kind), or a version it has a warm slot for, of the kind
    that slot's instance runs (a training needs an instance in train mode)."""
    versions = _queued_versions()
    pairs: list[Select[Any, Any, Any]] = []
    if startable:
        hardware = union_all(*(select(literal(sku).label("hardware")) for sku in startable))
        offered = hardware.subquery("startable")
        pairs.append(
            select(versions.c.version, offered.c.hardware, cast(null(), String).label("kind"))
            .select_from(versions.join(offered, true()))
            .where(versions.c.version.is_not(None))
        )
    pairs.extend(
        select(
            literal(version).label("version"),
            literal(hardware).label("hardware"),
            literal(kind).label("kind"),
        )
        for version, hardware, kind in warm
    )
    assert pairs, "an empty offer claims nothing"
    return pairs[0] if len(pairs) == 1 else union(*pairs)  # type: ignore[return-value]


def _head(
    version: ColumnElement[str], hardware: ColumnElement[str], kind: ColumnElement[str]
) -> Select[Any]:
    """The oldest claimable prediction of one version on one hardware SKU (of one kind, when
    ``kind`` is not NULL)."""
    deployment_load = (
        select(func.count())
        .select_from(_IN_FLIGHT)
        .where(_IN_FLIGHT.c.deployment == _ROW.c.deployment, _IN_FLIGHT.c.lease_owner.is_not(None))
        .scalar_subquery()
    )
    deployment_cap = (
        select(deployments.c.max_in_flight)
        .where(deployments.c.owner + "/" + deployments.c.name == _ROW.c.deployment)
        .scalar_subquery()
    )
    return (
        select(_ROW.c.id)
        .where(
            _ROW.c.status == literal_column("'starting'"),
            _ROW.c.lease_owner.is_(None),
            _ROW.c.version == version,
            _ROW.c.hardware == hardware,
            or_(kind.is_(None), _ROW.c.kind == kind),
            or_(_ROW.c.deadline_at.is_(None), _ROW.c.deadline_at > bindparam("now")),
            or_(
                _ROW.c.deployment.is_(None),
                func.coalesce(deployment_cap, UNCAPPED) > deployment_load,
            ),
        )
        .order_by(_ROW.c.created_at, _ROW.c.id)
        .limit(1)
    )


ANY_QUEUED = select(exists().where(QUEUED))
"""Whether anything at all waits in the queue, whatever its hardware, cap or deadline."""


@dataclass(frozen=True)
class Claim:
    prediction: Prediction
    lease_expires_at: datetime
    claimed_at: datetime
    drained: bool = False
    """Nothing else waited in the queue when this was claimed (read in the claim's transaction):
    the next claim can wait for work to be announced instead of looking first."""
    sealed_secrets: str | None = None
    """The prediction's ``cog.Secret`` values, sealed: for the worker that runs it only."""

    @property
    def queued_seconds(self) -> float:
        """From creation to this claim, on the queue's clock: the queue time a user sees."""
        return max(0.0, (self.claimed_at - self.prediction.created_at).total_seconds())


@dataclass(frozen=True)
class NothingFits:
    """A look that claimed nothing; ``drained``: nothing at all waited in the queue either."""

    drained: bool


def claim_statement(offer: Offer | None, *, skip_locked: bool) -> Update:
    """Lease the next queued prediction that fits ``offer`` (anything when None): the heads of
    the candidate (version, hardware) queues, the least loaded version's first. Execute it with
    ``worker_id``, ``now`` and ``expires``."""
    if offer is None:
        return _claim_statement(SKU_NAMES, (), skip_locked)
    warm = tuple((slot.version, slot.hardware, slot.kind) for slot in offer.warm)
    return _claim_statement(tuple(offer.startable_hardware), warm, skip_locked)


@lru_cache(maxsize=STATEMENTS_KEPT)
def _claim_statement(
    startable: tuple[str, ...], warm: tuple[tuple[str, str, str], ...], skip_locked: bool
) -> Update:
    candidates = _candidates(startable, warm).subquery("candidates")
    head = _head(candidates.c.version, candidates.c.hardware, candidates.c.kind)
    if skip_locked:
        head = head.with_for_update(skip_locked=True, of=_ROW)
    load = (
        select(func.count())
        .select_from(_IN_FLIGHT)
        .where(_IN_FLIGHT.c.version == candidates.c.version, _IN_FLIGHT.c.lease_owner.is_not(None))
        .scalar_subquery()
    )
    heads = (
        select(head.scalar_subquery().label("id"), load.label("load"))
        .select_from(candidates)
        .cte("heads")
    )
    chosen = predictions.alias("chosen")
    created = select(chosen.c.created_at).where(chosen.c.id == heads.c.id).scalar_subquery()
    next_id = (
        select(heads.c.id)
        .where(heads.c.id.is_not(None))
        .order_by(heads.c.load, created, heads.c.id)
        .limit(1)
        .scalar_subquery()
    )
    return (
        update(predictions)
        .where(
            predictions.c.id == next_id,
            predictions.c.status == PredictionStatus.STARTING,
            predictions.c.lease_owner.is_(None),
        )
        .values(
            lease_owner=bindparam("worker_id"),
            lease_expires_at=bindparam("expires"),
            attempts=predictions.c.attempts + 1,
        )
        .returning(predictions)
    )
