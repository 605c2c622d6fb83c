"""Which queued prediction a worker gets next: the claim's fairness, caps and fit.

Fair order: the version with the fewest predictions in flight goes first, so a flood of one
model cannot starve another; within a version, creation order. A deployment never has more in
flight than its ``max_in_flight`` across the fleet, and a prediction whose ``Cancel-After``
deadline has passed is left for the sweeper to cancel. The same SQL runs on SQLite and on
PostgreSQL, where ``FOR UPDATE SKIP LOCKED`` keeps concurrent claims from waiting on each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Update, and_, func, or_, select, update

from mimeo.core.protocol import Offer
from mimeo.core.records import Prediction
from mimeo.core.status import PredictionStatus
from mimeo.store.tables import deployments, predictions

UNCAPPED = 2**31 - 1
"""The cap of a prediction whose deployment was deleted while it waited: it still runs."""

# Built once: constructing these terms is most of a claim's cost.
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


@dataclass(frozen=True)
class Claim:
    prediction: Prediction
    lease_expires_at: datetime
    claimed_at: datetime

    @property
    def queued_seconds(self) -> float:
        """From creation to this claim, on the queue's clock: the queue time a user sees."""
        return max(0.0, (self.claimed_at - self.prediction.created_at).total_seconds())


def claim_statement(
    worker_id: str,
    offer: Offer | None,
    now: datetime,
    expires: datetime,
    *,
    skip_locked: bool,
) -> Update:
    """Lease the next queued prediction that fits ``offer`` (anything when None)."""
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
    if skip_locked:
        oldest = oldest.with_for_update(skip_locked=True, of=predictions)
    return (
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
