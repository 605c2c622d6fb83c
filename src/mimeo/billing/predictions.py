"""A public model's prediction is charged when it completes, inside the completion's own
transaction: the charge commits with the terminal status or not at all, and the ledger's unique
key on the prediction id keeps a replayed completion from charging twice.

Who pays is the account that created the prediction; what is paid is ``predict_time`` on the
hardware it ran on, at the operator's price. A deployment's prediction, and a private model's,
are not charged here: their instances' time is (``billing.instances``).
"""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection

from mimeo.core.changes import ChangeKind, PredictionChange
from mimeo.core.clock import Clock, utc_now
from mimeo.core.money import microseconds
from mimeo.core.prices import PriceList
from mimeo.core.records import Prediction
from mimeo.core.usage import EntryKind
from mimeo.store.ledger import Entry, post
from mimeo.store.tables import models

PRIVATE = "private"


VISIBILITY = select(models.c.visibility).where(
    models.c.owner == bindparam("owner"), models.c.name == bindparam("name")
)
"""Built once: it runs in every completion's transaction."""


async def bills_instance_time(conn: AsyncConnection, change: PredictionChange) -> bool:
    """Whether the prediction's model is private, so its owner pays for its instances instead;
    read here only when the completion did not read it already."""
    visibility = change.model_visibility
    if visibility is None:
        owner, _, name = change.prediction.model.partition("/")
        found = await conn.execute(VISIBILITY, {"owner": owner, "name": name})
        visibility = found.scalar_one_or_none()
    return visibility == PRIVATE


def predict_time_us(prediction: Prediction) -> int:
    seconds = prediction.metrics.get("predict_time")
    return microseconds(float(seconds)) if isinstance(seconds, int | float) else 0


class PredictionMeter:
    """``record`` is a queue recorder: it runs on the connection of every announced change."""

    def __init__(self, prices: PriceList, clock: Clock = utc_now) -> None:
        self.prices = prices
        self._clock = clock

    async def record(self, conn: AsyncConnection, change: PredictionChange) -> None:
        prediction = change.prediction
        if change.kind is not ChangeKind.COMPLETED or prediction.deployment is not None:
            return
        duration = predict_time_us(prediction)
        if duration == 0 or await bills_instance_time(conn, change):
            return
        entry = Entry(
            account_id=prediction.account_id,
            kind=EntryKind.PREDICTION,
            amount_micros=-self.prices.cost(prediction.hardware, duration),
            duration_us=duration,
            hardware=prediction.hardware,
            model=prediction.model,
            prediction_id=prediction.id,
        )
        await post(conn, entry, self._clock())
