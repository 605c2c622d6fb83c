"""API nodes on one PostgreSQL database: a token revoked, or an account disabled, through one
node answers 401 on the other at once, told by ``NOTIFY`` (the other's cache would keep the
token for an hour otherwise); a node that cannot hear the others caches no token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
import pytest

from mimeo.api.app import create_app
from mimeo.cli.platform import platform
from mimeo.settings import Settings
from tests.api.test_token_revocation import (
    ADMIN_TOKEN,
    ALICE_TOKEN,
    Node,
    forgotten,
    new_token,
    start_nodes,
)
from tests.store.conftest import empty_every_table

pytestmark = pytest.mark.postgres


@pytest.fixture
async def two_nodes(migrated_postgres_database: str, tmp_path: Path) -> AsyncIterator[list[Node]]:
    await empty_every_table(migrated_postgres_database)
    settings = Settings(database_url=migrated_postgres_database, data_dir=tmp_path)
    async with AsyncExitStack() as stack:
        yield await start_nodes(settings, 2, stack)


async def test_a_token_revoked_on_one_node_answers_401_on_the_other_at_once(
    two_nodes: list[Node],
) -> None:
    a, b = two_nodes
    token_id, token = await new_token(a)
    assert await b.status(token) == 200
    assert b.caches(token)
    seen = b.context.tokens.generation

    assert (await a.call(ALICE_TOKEN, "DELETE", f"/v1/tokens/{token_id}")).status_code == 204
    await forgotten(b, seen)

    assert await b.status(token) == 401


async def test_an_account_disabled_on_one_node_is_refused_on_the_other(
    two_nodes: list[Node],
) -> None:
    a, b = two_nodes
    assert await b.status(ALICE_TOKEN) == 200
    seen = b.context.tokens.generation

    await a.call(ADMIN_TOKEN, "POST", "/v1/admin/accounts/alice/disable")
    await forgotten(b, seen)

    assert await b.status(ALICE_TOKEN) == 401


async def test_a_node_that_cannot_hear_the_others_caches_no_token(
    migrated_postgres_database: str, tmp_path: Path
) -> None:
    """Its listener not connected (here: never started), a revocation could go unheard."""
    await empty_every_table(migrated_postgres_database)
    settings = Settings(database_url=migrated_postgres_database, data_dir=tmp_path)
    async with platform(settings, "http://mimeo.test") as context:
        await context.store.accounts.ensure("alice", ALICE_TOKEN)
        deaf = Node(context, httpx.ASGITransport(create_app(context)))

        assert await deaf.status(ALICE_TOKEN) == 200
        assert context.token_cache is None
        assert not deaf.caches(ALICE_TOKEN)
