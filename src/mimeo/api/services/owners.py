"""Who a new model or deployment may be owned by: the caller, an organization it belongs to,
or a name no account has yet, which becomes an organization with the caller as its member."""

from __future__ import annotations

from mimeo.api.context import AppContext
from mimeo.core.accounts import may_change
from mimeo.core.errors import NotFound
from mimeo.core.identifiers import check_name
from mimeo.core.records import Account


async def claim_owner(context: AppContext, account: Account, owner: str) -> None:
    """The same 404 whether or not ``owner`` has models, private ones included."""
    check_name("owner", owner)
    if may_change(owner, account) or await context.store.accounts.claim_owner(account, owner):
        return
    raise NotFound(
        f"You cannot own things as {owner}: it is neither your account ({account.username}) "
        "nor an organization you belong to"
    )
