"""Accounts and their API tokens (``store.accounts``)."""

from __future__ import annotations

from sqlalchemy import select

from mimeo.core.ids import token_digest
from mimeo.core.records import Account
from mimeo.store.store import Store
from mimeo.store.tables import api_tokens


async def test_ensure_creates_a_user_account(store: Store) -> None:
    account = await store.accounts.ensure("alice", "r8_alice-token")

    assert (account.username, account.name, account.type) == ("alice", "alice", "user")


async def test_a_token_opens_its_account(store: Store, account: Account) -> None:
    assert await store.accounts.by_token("r8_alice-token") == account


async def test_an_unknown_token_opens_nothing(store: Store, account: Account) -> None:
    assert await store.accounts.by_token("r8_guess") is None


async def test_ensure_is_idempotent(store: Store, account: Account) -> None:
    assert await store.accounts.ensure("alice", "r8_alice-token") == account


async def test_ensure_adds_a_second_token_to_an_existing_account(
    store: Store, account: Account
) -> None:
    await store.accounts.ensure("alice", "r8_second-token")

    assert await store.accounts.by_token("r8_second-token") == account
    assert await store.accounts.by_token("r8_alice-token") == account


async def test_each_account_is_opened_by_its_own_token(store: Store, account: Account) -> None:
    bob = await store.accounts.ensure("bob", "r8_bob-token")

    assert await store.accounts.by_token("r8_bob-token") == bob
    assert bob.id != account.id


async def test_tokens_are_stored_only_as_digests(store: Store, account: Account) -> None:
    async with store.engine.connect() as conn:
        stored = list((await conn.execute(select(api_tokens.c.digest))).scalars())

    assert stored == [token_digest("r8_alice-token")]


async def test_an_unknown_username_is_none(store: Store) -> None:
    assert await store.accounts.by_username("nobody") is None
