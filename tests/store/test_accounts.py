"""Accounts and their API tokens (``store.accounts``)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mimeo.core.errors import Conflict, InvalidRequest, NotFound
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


async def test_ensure_can_make_the_bootstrap_account_an_administrator(
    store: Store, account: Account
) -> None:
    assert not account.admin

    admin = await store.accounts.ensure("alice", "r8_alice-token", admin=True)

    assert admin.admin
    assert await store.accounts.by_token("r8_alice-token") == admin


async def test_a_created_account_is_opened_by_its_first_token(store: Store) -> None:
    created, token = await store.accounts.create("acme", "organization", name="Acme Corp")

    opened = await store.accounts.by_token(token)
    assert opened == created
    assert (created.type, created.name, created.admin) == ("organization", "Acme Corp", False)
    assert token.startswith("r8_")


async def test_an_account_name_is_taken_once(store: Store, account: Account) -> None:
    with pytest.raises(Conflict, match="alice already exists"):
        await store.accounts.create("alice", "user")


async def test_a_member_acts_as_its_organizations(store: Store, account: Account) -> None:
    await store.accounts.create("acme", "organization")

    await store.accounts.add_member("acme", "alice")
    await store.accounts.add_member("acme", "alice")  # idempotent

    alice = await store.accounts.by_token("r8_alice-token")
    assert alice is not None
    assert alice.namespaces == {"alice", "acme"}
    assert (await store.accounts.entry("acme")).members == ("alice",)


async def test_only_users_join_only_organizations(store: Store, account: Account) -> None:
    await store.accounts.create("acme", "organization")
    await store.accounts.create("bob", "user")

    with pytest.raises(InvalidRequest, match="only organizations have members"):
        await store.accounts.add_member("bob", "alice")
    with pytest.raises(InvalidRequest, match="only users can be members"):
        await store.accounts.add_member("acme", "acme")
    with pytest.raises(NotFound, match="nobody"):
        await store.accounts.add_member("acme", "nobody")


async def test_a_disabled_accounts_tokens_open_nothing(store: Store, account: Account) -> None:
    await store.accounts.disable("alice")

    assert await store.accounts.by_token("r8_alice-token") is None
    assert (await store.accounts.entry("alice")).disabled


async def test_members_of_a_disabled_organization_no_longer_act_as_it(
    store: Store, account: Account
) -> None:
    await store.accounts.create("acme", "organization")
    await store.accounts.add_member("acme", "alice")

    await store.accounts.disable("acme")

    alice = await store.accounts.by_token("r8_alice-token")
    assert alice is not None
    assert alice.namespaces == {"alice"}
    assert not await store.accounts.claim_owner(alice, "acme")


async def test_claiming_a_new_owner_makes_an_organization_of_it(
    store: Store, account: Account
) -> None:
    assert await store.accounts.claim_owner(account, "examples")

    entry = await store.accounts.entry("examples")
    assert (entry.account.type, entry.members) == ("organization", ("alice",))
    assert await store.accounts.claim_owner(account, "examples")  # a member's, next time


async def test_another_accounts_name_cannot_be_claimed(store: Store, account: Account) -> None:
    bob = await store.accounts.ensure("bob", "r8_bob-token")
    await store.accounts.claim_owner(bob, "bobs-org")

    assert not await store.accounts.claim_owner(account, "bob")
    assert not await store.accounts.claim_owner(account, "bobs-org")
    assert await store.accounts.claim_owner(account, "alice")


async def test_changes_to_credentials_are_told_once_committed(
    store: Store, account: Account
) -> None:
    told: list[str] = []
    store.credentials.listen(lambda: told.append("forget"))
    await store.accounts.create("acme", "organization")
    assert told == []  # a new account changes what no cached token opens

    await store.accounts.add_member("acme", "alice")
    await store.accounts.disable("acme")
    with pytest.raises(NotFound):
        await store.accounts.disable("nobody")  # rolled back: nothing to tell

    assert told == ["forget", "forget"]


async def test_accounts_are_listed_newest_first(store: Store, account: Account) -> None:
    await store.accounts.create("acme", "organization")
    await store.accounts.add_member("acme", "alice")

    page = await store.accounts.entries(None)

    assert [e.account.username for e in page.results] == ["acme", "alice"]
    assert page.results[1].account.organizations == {"acme"}


async def test_tokens_are_listed_by_id_and_name_never_by_secret(
    store: Store, account: Account
) -> None:
    made, secret = await store.tokens.create(account.id, "ci")

    listed = await store.tokens.list(account.id)

    assert [(t.id, t.name) for t in listed] == [(made.id, "ci"), (listed[1].id, "bootstrap")]
    assert made.id.startswith("tok_")
    assert secret not in made.id
    assert await store.accounts.by_token(secret) == account


async def test_a_revoked_token_opens_nothing_and_is_told(store: Store, account: Account) -> None:
    made, secret = await store.tokens.create(account.id, None)
    told: list[str] = []
    store.credentials.listen(lambda: told.append("forget"))

    await store.tokens.revoke(account.id, made.id)

    assert await store.accounts.by_token(secret) is None
    assert await store.accounts.by_token("r8_alice-token") == account
    assert told == ["forget"]


async def test_another_accounts_token_cannot_be_revoked(store: Store, account: Account) -> None:
    bob = await store.accounts.ensure("bob", "r8_bob-token")
    made, secret = await store.tokens.create(account.id, None)

    with pytest.raises(NotFound):
        await store.tokens.revoke(bob.id, made.id)
    assert await store.accounts.by_token(secret) == account


async def test_a_tokens_use_is_noted(store: Store, account: Account) -> None:
    await store.accounts.by_token("r8_alice-token")

    (listed,) = await store.tokens.list(account.id)
    assert listed.last_used_at is not None
