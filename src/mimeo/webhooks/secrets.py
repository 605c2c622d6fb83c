"""Each account's webhook signing secret, made the first time anyone needs it and then kept.

It lives on the account row, so every API node of a cluster signs with the same key, and the
key a user fetched yesterday still verifies today's deliveries.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from mimeo.core.errors import NotFound
from mimeo.store.tables import accounts
from mimeo.webhooks.signing import new_secret


class AccountSecrets:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def get_or_create(self, account_id: int) -> str:
        """The first caller writes a secret; one racing it (on another node) keeps the winner's,
        because the write only fills an empty column."""
        query = select(accounts.c.webhook_secret).where(accounts.c.id == account_id)
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            raise NotFound(f"Account {account_id} not found")
        if row.webhook_secret:
            return str(row.webhook_secret)
        async with self._engine.begin() as conn:
            await conn.execute(
                update(accounts)
                .where(accounts.c.id == account_id, accounts.c.webhook_secret.is_(None))
                .values(webhook_secret=new_secret())
            )
            return str((await conn.execute(query)).scalar_one())
