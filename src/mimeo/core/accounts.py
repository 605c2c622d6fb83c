"""Who may see and change what: accounts, organizations, tokens and model visibility.

An account is a user or an organization. A user may belong to organizations and then acts as
each of them: it pushes to, deploys as and sees the private models of every owner among its
``namespaces``. A public model is seen and run by every account; a private one only by its
owner's namespaces. What an account may not see answers 404, never 403: a 403 would confirm
that the private thing exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

from mimeo.core.records import Account, Model

USER: Final = "user"
ORGANIZATION: Final = "organization"
AccountType = Literal["user", "organization"]
PUBLIC: Final = "public"
Visibility = Literal["public", "private"]

CREDENTIALS_CHANNEL = "mimeo_credentials"
"""The PostgreSQL ``NOTIFY`` channel on which a revoked token, a disabled account or a changed
membership tells every API node to forget the tokens it has cached."""

LAST_USED_RESOLUTION_SECONDS = 60.0
"""A token's ``last_used_at`` is written at most this often: a hint, not a write per request."""


def may_see(model: Model, account: Account) -> bool:
    return model.visibility == PUBLIC or model.owner in account.namespaces


def may_change(owner: str, account: Account) -> bool:
    """Push to, update, delete or deploy what ``owner`` owns."""
    return owner in account.namespaces


@dataclass(frozen=True)
class ApiToken:
    """A token as its account lists it: the secret itself is shown once, at creation."""

    id: str
    name: str | None
    created_at: datetime
    last_used_at: datetime | None


@dataclass(frozen=True)
class AccountEntry:
    """An account as administrators list it."""

    account: Account
    created_at: datetime
    disabled: bool
    members: tuple[str, ...]
    """An organization's members; empty for a user (whose organizations are on ``account``)."""
