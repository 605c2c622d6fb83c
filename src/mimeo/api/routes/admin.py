"""``/v1/admin``: administrators manage accounts, and operators see the fleet (a mimeo extension).

The first account (``mimeo serve``'s bootstrap account) is an administrator. The fleet's view
also takes the worker token: the credential of the people who run the workers.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from mimeo.api.http.deps import AdminDep, ContextDep, CursorDep, OperatorDep
from mimeo.api.http.links import LinksDep
from mimeo.api.http.serializers import account_entry_json, billing_json, page_json, timestamp
from mimeo.core.accounts import USER, AccountType
from mimeo.core.errors import Conflict, FieldError, InvalidInput
from mimeo.core.identifiers import check_name
from mimeo.core.money import parse_dollars

router = APIRouter(prefix="/v1/admin", tags=["admin"])


class CreateAccount(BaseModel):
    username: str
    type: AccountType = "user"
    name: Annotated[str | None, Field(max_length=200)] = None
    admin: bool = False


@router.get("/accounts")
async def list_accounts(
    _admin: AdminDep, context: ContextDep, cursor: CursorDep, links: LinksDep
) -> dict[str, Any]:
    page = await context.store.accounts.entries(cursor)
    url = f"{links.base}/v1/admin/accounts"
    return page_json(page, url, [account_entry_json(entry) for entry in page.results])


@router.post("/accounts", status_code=201)
async def create_account(
    body: CreateAccount, _admin: AdminDep, context: ContextDep
) -> dict[str, Any]:
    """The new account and its first token, shown this once: only its digest is kept."""
    check_name("username", body.username)
    if body.admin and body.type != USER:
        raise InvalidInput([FieldError("admin", "only users can be administrators")])
    account, token = await context.store.accounts.create(
        body.username, body.type, name=body.name, admin=body.admin
    )
    entry = await context.store.accounts.entry(account.username)
    return {**account_entry_json(entry), "token": token}


@router.get("/accounts/{username}")
async def get_account_entry(username: str, _admin: AdminDep, context: ContextDep) -> dict[str, Any]:
    return account_entry_json(await context.store.accounts.entry(username))


@router.put("/accounts/{organization}/members/{username}")
async def add_member(
    organization: str, username: str, _admin: AdminDep, context: ContextDep
) -> dict[str, Any]:
    """Idempotent. The member acts as the organization from its next request on."""
    await context.store.accounts.add_member(organization, username)
    return account_entry_json(await context.store.accounts.entry(organization))


@router.post("/accounts/{username}/disable")
async def disable_account(username: str, admin: AdminDep, context: ContextDep) -> dict[str, Any]:
    """Its tokens answer 401 from now on, on every API node; its data stays."""
    if username == admin.username:
        raise Conflict("You cannot disable your own account: ask another administrator")
    await context.store.accounts.disable(username)
    return account_entry_json(await context.store.accounts.entry(username))


@router.get("/workers", dependencies=[OperatorDep])
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
async def add_credit(
    username: str, body: CreditRequest, _admin: AdminDep, context: ContextDep
) -> dict[str, Any]:
    """Add credit to an account, as one ledger entry; answers the account's billing."""
    ledger = context.store.ledger
    account_id = await ledger.add_credit(username, parse_dollars(body.amount), body.note)
    context.balances.forget(account_id)
    return billing_json(username, await ledger.summary(account_id))
