"""The account page: who is signed in and the webhook signing secret; the billing and token
sections render from ``account_sections``, which their branches fill."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from mimeo.api.context import AppContext
from mimeo.api.http.deps import ContextDep
from mimeo.api.web.pages import mark_web, page
from mimeo.api.web.sessions import Visitor, VisitorDep
from mimeo.webhooks import AccountSecrets

router = APIRouter(include_in_schema=False, dependencies=[Depends(mark_web)])


@dataclass(frozen=True)
class AccountSection:
    """One more part of the account page: a template partial and the values it reads."""

    template: str
    values: dict[str, object]


async def account_sections(context: AppContext, visitor: Visitor) -> list[AccountSection]:
    """The seam for the API tokens (create, shown once, revoke) and the balance and usage
    chart: each adds its partial here. None exists yet, so the page shows none."""
    del context, visitor
    return []


@router.get("/account")
async def account(request: Request, context: ContextDep, visitor: VisitorDep) -> HTMLResponse:
    secret = await AccountSecrets(context.store.engine).get_or_create(visitor.account.id)
    return page(
        request,
        "account.html",
        visitor,
        webhook_secret=secret,
        sections=await account_sections(context, visitor),
    )
