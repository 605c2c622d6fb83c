"""Helpers for the webhook tests on the real databases: predictions made through the queue (so
the outbox hears of them) and a look at the outbox rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from mimeo.core.records import Account, Model, Prediction
from mimeo.queue import PredictionQueue
from mimeo.store.store import Store
from mimeo.store.tables import webhook_deliveries
from tests.store.conftest import FakeClock, new_prediction

HOOK = "https://hooks.example.com/mimeo"


def render(prediction: Prediction) -> dict[str, Any]:
    """A stand-in for the API's prediction JSON, with what these tests look at."""
    return {
        "id": prediction.id,
        "status": prediction.status.value,
        "logs": prediction.logs,
        "output": prediction.output,
    }


async def create(
    queue: PredictionQueue, account: Account, model: Model, clock: FakeClock, **values: Any
) -> Prediction:
    return await queue.enqueue(new_prediction(account, model, **{"webhook": HOOK, **values}))


async def outbox_rows(store: Store, prediction_id: str) -> list[Any]:
    async with store.engine.connect() as conn:
        return list(
            (
                await conn.execute(
                    select(webhook_deliveries)
                    .where(webhook_deliveries.c.prediction_id == prediction_id)
                    .order_by(webhook_deliveries.c.seq)
                )
            ).all()
        )
