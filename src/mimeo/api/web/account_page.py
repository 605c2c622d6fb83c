"""The account page: who is signed in and the webhook signing secret; the balance, usage and
(with the accounts branch) token sections render from ``account_sections``."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from mimeo.api.http.deps import ContextDep
from mimeo.api.web.account_sections import account_sections
from mimeo.api.web.pages import mark_web, page
from mimeo.api.web.sessions import VisitorDep
from mimeo.webhooks import AccountSecrets

router = APIRouter(include_in_schema=False, dependencies=[Depends(mark_web)])


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
