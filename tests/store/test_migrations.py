"""``Store.open`` brings an empty database to head, and the migrations match the declared tables."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from mimeo.store.database import alembic_config
from mimeo.store.store import Store
from mimeo.store.tables import metadata


@pytest.fixture
async def opened(new_database_url: str) -> AsyncIterator[Store]:
    """A store opened on a database that had no tables."""
    store = await Store.open(new_database_url)
    yield store
    await store.close()


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def table_names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


async def test_open_migrates_an_empty_database_to_head(
    opened: Store, new_database_url: str
) -> None:
    head = ScriptDirectory.from_config(alembic_config(new_database_url)).get_current_head()

    async with opened.engine.connect() as conn:
        assert await conn.run_sync(current_revision) == head


async def test_open_creates_every_declared_table(opened: Store) -> None:
    async with opened.engine.connect() as conn:
        assert set(metadata.tables) <= await conn.run_sync(table_names)


async def test_the_migrated_schema_matches_the_declared_tables(opened: Store) -> None:
    async with opened.engine.connect() as conn:
        assert await conn.run_sync(differences) == []


async def test_opening_a_migrated_database_again_keeps_its_data(
    opened: Store, new_database_url: str
) -> None:
    await opened.accounts.ensure("alice", "r8_alice-token")
    await opened.close()

    reopened = await Store.open(new_database_url)
    try:
        assert await reopened.accounts.by_username("alice") is not None
    finally:
        await reopened.close()


async def test_nodes_opening_a_new_database_together_all_come_up(new_database_url: str) -> None:
    """API nodes of a new cluster start at once: the migration runs once, the others wait."""
    head = ScriptDirectory.from_config(alembic_config(new_database_url)).get_current_head()

    opened = await asyncio.gather(*(Store.open(new_database_url) for _ in range(3)))

    for store in opened:
        async with store.engine.connect() as conn:
            assert await conn.run_sync(current_revision) == head
        await store.close()
