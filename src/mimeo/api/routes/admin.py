"""``/v1/admin``: the operator's view of the platform (a mimeo extension).

Until accounts have administrators, the operator is whoever holds the worker token: the one
credential that already belongs to the people who run the fleet.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from mimeo.api.http.deps import ContextDep, WorkerDep
from mimeo.api.http.serializers import billing_json, timestamp
from mimeo.core.money import parse_dollars

router = APIRouter(prefix="/v1/admin", tags=["admin"], dependencies=[WorkerDep])


@router.get("/workers")
async def workers(context: ContextDep) -> dict[str, Any]:
    """The fleet registry: every worker heard recently, its hardware and its instances."""
    return {
        "results": [
            {
                "id": worker.status.worker_id,
                "hardware": worker.status.hardware,
                "cpus": worker.status.cpus,
                "memory_bytes": worker.status.memory_bytes,
                "gpus": worker.status.gpus,
                "max_instances": worker.status.max_instances,
                "registered_at": timestamp(worker.registered_at),
                "heartbeat_at": timestamp(worker.heartbeat_at),
                "instances": [
                    {**instance.model_dump(mode="json"), "since": timestamp(instance.since)}
                    for instance in worker.status.instances
                ],
            }
            for worker in await context.store.workers.live()
        ]
    }


class CreditRequest(BaseModel):
    amount: str
    """Dollars as a decimal string (``"10.00"``); negative takes credit back."""
    note: str | None = None


@router.post("/accounts/{username}/credit")
async def add_credit(username: str, body: CreditRequest, context: ContextDep) -> dict[str, Any]:
    """Add credit to an account, as one ledger entry; answers the account's billing."""
    ledger = context.store.ledger
    account_id = await ledger.add_credit(username, parse_dollars(body.amount), body.note)
    context.balances.forget(account_id)
    return billing_json(username, await ledger.summary(account_id))
