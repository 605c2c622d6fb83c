"""``/v1/webhooks/default/secret``: the key that verifies the caller's webhook deliveries."""

from __future__ import annotations

from fastapi import APIRouter

from mimeo.api.http.deps import AccountDep, ContextDep
from mimeo.webhooks import AccountSecrets

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])


@router.get("/default/secret")
async def default_secret(account: AccountDep, context: ContextDep) -> dict[str, str]:
    """Made on first request (or first delivery) and stable after: deliveries already sent
    keep verifying with the key a user saved."""
    return {"key": await AccountSecrets(context.store.engine).get_or_create(account.id)}
