"""Accounts and their API tokens. A new account gets its starting credit as a ledger entry,
in the transaction that creates it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from mimeo.core.ids import token_digest
from mimeo.core.records import Account
from mimeo.store.ledger import grant_starting_credit
from mimeo.store.tables import accounts, api_tokens


class AccountRepository:
    def __init__(self, engine: AsyncEngine, starting_credit_micros: int = 0) -> None:
        self._engine = engine
        self.starting_credit_micros = starting_credit_micros

    async def by_token(self, token: str) -> Account | None:
        query = (
            select(accounts)
            .join(api_tokens, api_tokens.c.account_id == accounts.c.id)
            .where(api_tokens.c.digest == token_digest(token))
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return None if row is None else Account(row.id, row.username, row.name, row.type)

    async def by_username(self, username: str) -> Account | None:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(select(accounts).where(accounts.c.username == username))
            ).first()
        return None if row is None else Account(row.id, row.username, row.name, row.type)

    async def ensure(self, username: str, token: str) -> Account:
        """Create the account if missing and make sure ``token`` opens it (idempotent)."""
        now = datetime.now(UTC)
        async with self._engine.begin() as conn:
            row = (
                await conn.execute(select(accounts).where(accounts.c.username == username))
            ).first()
            if row is None:
                account_id = (
                    await conn.execute(
                        insert(accounts)
                        .values(username=username, name=username, type="user", created_at=now)
                        .returning(accounts.c.id)
                    )
                ).scalar_one()
                await grant_starting_credit(conn, account_id, self.starting_credit_micros, now)
            else:
                account_id = row.id
            digest = token_digest(token)
            known = (
                await conn.execute(select(api_tokens.c.digest).where(api_tokens.c.digest == digest))
            ).first()
            if known is None:
                await conn.execute(
                    insert(api_tokens).values(digest=digest, account_id=account_id, created_at=now)
                )
        account = await self.by_username(username)
        assert account is not None
        return account
