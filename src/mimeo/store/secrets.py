"""Server-wide secrets kept in the database, so every API node of a cluster signs alike."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from mimeo.store.tables import server_secrets


class SecretRepository:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def get_or_create(self, name: str) -> str:
        """The first node to ask makes the secret; a node racing it reads the winner's."""
        query = select(server_secrets.c.value).where(server_secrets.c.name == name)
        async with self._engine.connect() as conn:
            value = (await conn.execute(query)).scalar_one_or_none()
        if value is not None:
            return str(value)
        try:
            async with self._engine.begin() as conn:
                await conn.execute(
                    insert(server_secrets).values(
                        name=name, value=secrets.token_urlsafe(48), created_at=datetime.now(UTC)
                    )
                )
        except IntegrityError:
            pass
        async with self._engine.connect() as conn:
            return str((await conn.execute(query)).scalar_one())
