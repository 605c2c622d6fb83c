"""Metering and balances: what each prediction and each billed instance costs, charged to the
right account exactly once.

May import: ``mimeo.core``, ``mimeo.store``. Public models bill a prediction's ``predict_time``
on its hardware, charged in the completion's own transaction (``PredictionMeter`` records with
the queue). Private models and deployments bill their instances' time instead, setup and idle
included, charged as workers heartbeat (``charge_instances``). The hot path's check of a spent
balance reads a short-lived cache (``BalanceCache``).
"""

from mimeo.billing.balances import BalanceCache
from mimeo.billing.instances import charge_instances, forget_workers
from mimeo.billing.predictions import PredictionMeter

__all__ = ["BalanceCache", "PredictionMeter", "charge_instances", "forget_workers"]
