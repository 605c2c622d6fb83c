"""API tokens: stored as digests, listed by id and name, revoked by id.

Revoking goes through ``CredentialChanges``, so that every API node forgets the token at once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from mimeo.core.accounts import ApiToken
from mimeo.core.errors import NotFound
from mimeo.core.ids import new_api_token, new_token_id, token_digest
from mimeo.core.records import as_utc
from mimeo.store.notifications import CredentialChanges
from mimeo.store.tables import api_tokens


def _token(row: Any) -> ApiToken:
    return ApiToken(
        id=row.id,
        name=row.name,
        created_at=as_utc(row.created_at) or row.created_at,
        last_used_at=as_utc(row.last_used_at),
    )


async def insert_token(
    conn: AsyncConnection, account_id: int, secret: str, name: str | None
) -> ApiToken:
    row = (
        await conn.execute(
            insert(api_tokens)
            .values(
                digest=token_digest(secret),
                id=new_token_id(),
                account_id=account_id,
                name=name,
                created_at=datetime.now(UTC),
            )
            .returning(api_tokens)
        )
    ).one()
    return _token(row)


class TokenRepository:
    def __init__(self, engine: AsyncEngine, changes: CredentialChanges) -> None:
        self._engine = engine
        self._changes = changes

    async def create(self, account_id: int, name: str | None) -> tuple[ApiToken, str]:
        """A new token and its secret, which is not kept: only its digest is."""
        secret = new_api_token()
        async with self._engine.begin() as conn:
            return await insert_token(conn, account_id, secret, name), secret

    async def list(self, account_id: int) -> list[ApiToken]:
        query = (
            select(api_tokens)
            .where(api_tokens.c.account_id == account_id)
            .order_by(api_tokens.c.created_at.desc(), api_tokens.c.id.desc())
        )
        async with self._engine.connect() as conn:
            return [_token(row) for row in (await conn.execute(query)).all()]

    async def revoke(self, account_id: int, token_id: str) -> None:
        """Another account's token is not found, as a missing one."""
        async with self._changes.changing(self._engine) as conn:
            result = await conn.execute(
                delete(api_tokens).where(
                    api_tokens.c.id == token_id, api_tokens.c.account_id == account_id
                )
            )
            if result.rowcount == 0:
                raise NotFound(f"Token {token_id} not found")
