"""What a prediction cost, for its page and the history: its ledger charge, or why it has none.

A public model's prediction is charged once, when it completes (``billing.predictions``); a
deployment's and a private model's are not, because their instances' time is billed instead.
The page's ``_cost.html`` partial shows whatever this returns, and nothing for None.
"""

from __future__ import annotations

from mimeo.api.context import AppContext
from mimeo.billing.predictions import PRIVATE
from mimeo.core.money import format_dollars
from mimeo.core.records import Prediction

INSTANCE_TIME = "Billed as instance time"


def dollars(micros: int) -> str:
    return f"${format_dollars(micros)}"


def listed_cost(prediction: Prediction, charges: dict[str, int]) -> str | None:
    """The cost a history row shows, from the page's charges (``LedgerRepository.charges_for``):
    without a query per row, a private model's prediction shows no cost there."""
    if not prediction.terminal:
        return None
    if prediction.id in charges:
        return dollars(charges[prediction.id])
    return INSTANCE_TIME if prediction.deployment is not None else None


async def prediction_cost(context: AppContext, prediction: Prediction) -> str | None:
    """The cost as the page shows it (e.g. "$0.002100"); None while it runs, and for a
    finished prediction that was not charged (it failed before predicting, say)."""
    if not prediction.terminal:
        return None
    if prediction.deployment is not None:
        return INSTANCE_TIME
    charge = await context.store.ledger.charge_for(prediction.id)
    if charge is not None:
        return dollars(charge)
    owner, _, name = prediction.model.partition("/")
    model = await context.store.catalog.find_model(owner, name)
    return INSTANCE_TIME if model is not None and model.visibility == PRIVATE else None
