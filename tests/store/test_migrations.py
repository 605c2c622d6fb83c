"""``Store.open`` brings an empty database to head, and the migrations match the declared tables."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from mimeo.core.ids import token_digest
from mimeo.store.database import alembic_config, create_engine
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


async def test_model_owners_that_were_free_text_become_organizations_of_their_creators(
    new_database_url: str,
) -> None:
    """Before accounts had organizations, ``mimeo serve`` pushed ``examples/...`` as its first
    account: after the upgrade, that account is a member of the organization ``examples``."""
    engine = create_engine(new_database_url)
    config = alembic_config(new_database_url)

    def upgrade(connection: Connection, revision: str) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    try:
        async with engine.begin() as conn:
            await conn.run_sync(upgrade, "0005")
            now = datetime.now(UTC)
            for username in ("admin", "alice"):
                await conn.execute(
                    text(
                        "INSERT INTO accounts (username, name, type, created_at) "
                        "VALUES (:u, :u, 'user', :now)"
                    ),
                    {"u": username, "now": now},
                )
                await conn.execute(
                    text(
                        "INSERT INTO api_tokens (digest, account_id, created_at) "
                        "SELECT :d, id, :now FROM accounts WHERE username = :u"
                    ),
                    {"d": token_digest(f"r8_{username}"), "u": username, "now": now},
                )
            for owner, creator in (
                ("examples", "admin"),
                ("examples", "alice"),
                ("alice", "admin"),
            ):
                await conn.execute(
                    text(
                        "INSERT INTO models (owner, name, account_id, visibility, hardware, "
                        "run_count, created_at) SELECT :o, :n, id, 'public', 'cpu', 0, :now "
                        "FROM accounts WHERE username = :c"
                    ),
                    {"o": owner, "n": f"by-{creator}", "c": creator, "now": now},
                )
            await conn.run_sync(upgrade, "head")
    finally:
        await engine.dispose()

    store = await Store.open(new_database_url)
    try:
        examples = await store.accounts.entry("examples")
        admin = await store.accounts.by_token("r8_admin")
        tokens = await store.tokens.list(admin.id if admin else 0)
    finally:
        await store.close()
    assert (examples.account.type, examples.members) == ("organization", ("admin", "alice"))
    assert admin is not None
    assert admin.namespaces == {"admin", "examples"}
    assert [(t.name, t.id.startswith("tok_")) for t in tokens] == [("bootstrap", True)]
