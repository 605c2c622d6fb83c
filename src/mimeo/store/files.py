"""Rows of ``/v1/files``: the metadata; the bytes are in blob storage under ``blob_key``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from mimeo.core.errors import NotFound
from mimeo.core.pagination import Cursor, Page
from mimeo.core.records import StoredFile
from mimeo.store.paging import fetch_page
from mimeo.store.tables import files


class FileRepository:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def insert(self, **values: Any) -> StoredFile:
        async with self._engine.begin() as conn:
            row = (await conn.execute(insert(files).values(**values).returning(files))).one()
        return StoredFile.from_row(row)

    async def get(self, file_id: str, account_id: int) -> StoredFile:
        """Another account's file is not found, never forbidden: that would confirm it exists."""
        query = select(files).where(files.c.id == file_id, files.c.account_id == account_id)
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            raise NotFound(f"File {file_id} not found")
        return StoredFile.from_row(row)

    async def list_for_account(self, account_id: int, cursor: Cursor | None) -> Page[StoredFile]:
        async with self._engine.connect() as conn:
            return await fetch_page(
                conn,
                select(files).where(files.c.account_id == account_id),
                files.c.created_at,
                files.c.id,
                cursor,
                StoredFile.from_row,
            )

    async def delete(self, file_id: str, account_id: int) -> StoredFile:
        stored = await self.get(file_id, account_id)
        async with self._engine.begin() as conn:
            await conn.execute(delete(files).where(files.c.id == file_id))
        return stored
