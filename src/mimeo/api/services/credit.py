"""Whether an account may start another prediction: not once its balance is spent.

Checked on every create, so it reads the cached balance (``BalanceCache``) and costs a query
only when the cache has none for the account.
"""

from __future__ import annotations

from mimeo.api.context import AppContext
from mimeo.core.errors import PaymentRequired
from mimeo.core.money import format_dollars
from mimeo.core.records import Account


async def require_credit(context: AppContext, account: Account) -> None:
    balance = context.balances.get(account.id)
    if balance is None:
        balance = await context.store.ledger.balance(account.id)
        context.balances.put(account.id, balance)
    if balance <= 0:
        raise PaymentRequired(
            f"The credit of account {account.username} is spent (balance "
            f"${format_dollars(balance)}): ask an administrator to add credit. Predictions "
            "already running finish."
        )
