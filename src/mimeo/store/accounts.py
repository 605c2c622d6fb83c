"""Accounts: users and organizations, their members, administrators, disabled accounts.

A token opens its account only while the account is enabled; a user acts as the enabled
organizations it belongs to. Whatever changes that (disabling, a new membership, a new
organization) goes through ``CredentialChanges``, so that no API node keeps a stale account
in its token cache. Every new account gets its starting credit as a ledger entry, in the
transaction that creates it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from mimeo.core.accounts import (
    LAST_USED_RESOLUTION_SECONDS,
    ORGANIZATION,
    USER,
    AccountEntry,
    AccountType,
)
from mimeo.core.errors import InvalidRequest, NotFound
from mimeo.core.ids import new_api_token, token_digest
from mimeo.core.pagination import Cursor, Page
from mimeo.core.records import Account, as_utc
from mimeo.store.integrity import duplicate_is_conflict, violates_unique
from mimeo.store.ledger import grant_starting_credit
from mimeo.store.notifications import CredentialChanges
from mimeo.store.paging import fetch_page
from mimeo.store.tables import accounts, api_tokens, memberships
from mimeo.store.tokens import insert_token

organizations = accounts.alias("organizations")
members = accounts.alias("members")


async def _organizations_of(conn: AsyncConnection, member_id: int) -> frozenset[str]:
    query = (
        select(organizations.c.username)
        .join(memberships, memberships.c.organization_id == organizations.c.id)
        .where(memberships.c.member_id == member_id, organizations.c.disabled_at.is_(None))
    )
    return frozenset((await conn.execute(query)).scalars())


async def _account(conn: AsyncConnection, row: Any) -> Account:
    return Account(
        row.id,
        row.username,
        row.name,
        row.type,
        admin=row.admin,
        organizations=(await _organizations_of(conn, row.id) if row.type == USER else frozenset()),
    )


class AccountRepository:
    def __init__(
        self, engine: AsyncEngine, changes: CredentialChanges, starting_credit_micros: int = 0
    ) -> None:
        self._engine = engine
        self._changes = changes
        self.starting_credit_micros = starting_credit_micros

    async def by_token(self, token: str) -> Account | None:
        """The enabled account ``token`` opens, or None."""
        digest = token_digest(token)
        query = (
            select(accounts, api_tokens.c.last_used_at)
            .join(api_tokens, api_tokens.c.account_id == accounts.c.id)
            .where(api_tokens.c.digest == digest, accounts.c.disabled_at.is_(None))
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
            account = None if row is None else await _account(conn, row)
        if row is not None:
            now = datetime.now(UTC)
            last = as_utc(row.last_used_at)
            if last is None or now - last > timedelta(seconds=LAST_USED_RESOLUTION_SECONDS):
                await self._used(digest, now)
        return account

    async def _used(self, digest: str, now: datetime) -> None:
        """Notes a use, unless another request noted one meanwhile."""
        recent = now - timedelta(seconds=LAST_USED_RESOLUTION_SECONDS)
        async with self._engine.begin() as conn:
            await conn.execute(
                update(api_tokens)
                .where(
                    api_tokens.c.digest == digest,
                    or_(api_tokens.c.last_used_at.is_(None), api_tokens.c.last_used_at < recent),
                )
                .values(last_used_at=now)
            )

    async def by_username(self, username: str) -> Account | None:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(select(accounts).where(accounts.c.username == username))
            ).first()
            return None if row is None else await _account(conn, row)

    async def by_id(self, account_id: int) -> Account | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(accounts).where(accounts.c.id == account_id))).first()
            return None if row is None else await _account(conn, row)

    async def ensure(self, username: str, token: str, *, admin: bool = False) -> Account:
        """Create the user if missing and make sure ``token`` opens it (idempotent); ``admin``
        makes it an administrator (the bootstrap account of ``mimeo serve``)."""
        async with self._engine.begin() as conn:
            row = (
                await conn.execute(select(accounts).where(accounts.c.username == username))
            ).first()
            account_id = await self._insert(conn, username, USER) if row is None else row.id
            if admin:
                await conn.execute(
                    update(accounts).where(accounts.c.id == account_id).values(admin=True)
                )
            digest = token_digest(token)
            known = (
                await conn.execute(select(api_tokens.c.digest).where(api_tokens.c.digest == digest))
            ).first()
            if known is None:
                await insert_token(conn, account_id, token, "bootstrap")
        account = await self.by_username(username)
        assert account is not None
        return account

    async def _insert(
        self,
        conn: AsyncConnection,
        username: str,
        type_: AccountType,
        *,
        name: str | None = None,
        admin: bool = False,
    ) -> int:
        now = datetime.now(UTC)
        statement = insert(accounts).values(
            username=username, name=name or username, type=type_, admin=admin, created_at=now
        )
        account_id = int((await conn.execute(statement.returning(accounts.c.id))).scalar_one())
        await grant_starting_credit(conn, account_id, self.starting_credit_micros, now)
        return account_id

    async def create(
        self, username: str, type_: AccountType, *, name: str | None = None, admin: bool = False
    ) -> tuple[Account, str]:
        """A new account and its first token's secret (shown once, never stored)."""
        secret = new_api_token()
        with duplicate_is_conflict(f"An account named {username} already exists"):
            async with self._engine.begin() as conn:
                account_id = await self._insert(conn, username, type_, name=name, admin=admin)
                await insert_token(conn, account_id, secret, "first")
        return Account(account_id, username, name or username, type_, admin=admin), secret

    async def entries(self, cursor: Cursor | None) -> Page[AccountEntry]:
        """Every account, newest first, as administrators see them."""
        async with self._engine.connect() as conn:
            page = await fetch_page(
                conn, select(accounts), accounts.c.created_at, accounts.c.id, cursor, lambda r: r
            )
            results = [await self._entry(conn, row) for row in page.results]
        return Page(results, page.next, page.previous)

    async def entry(self, username: str) -> AccountEntry:
        async with self._engine.connect() as conn:
            return await self._entry(conn, await self._row(conn, username))

    async def add_member(self, organization: str, member: str) -> None:
        """Idempotent: a member already is one."""
        async with self._changes.changing(self._engine) as conn:
            org = await self._row(conn, organization)
            user = await self._row(conn, member)
            if org.type != ORGANIZATION:
                raise InvalidRequest(f"{organization} is a user: only organizations have members")
            if user.type != USER:
                raise InvalidRequest(f"{member} is an organization: only users can be members")
            if not await _is_member(conn, org.id, user.id):
                await _insert_membership(conn, org.id, user.id)

    async def disable(self, username: str) -> None:
        """Its tokens stop opening it, and its members stop acting as it (an organization)."""
        async with self._changes.changing(self._engine) as conn:
            row = await self._row(conn, username)
            if row.disabled_at is None:
                await conn.execute(
                    update(accounts)
                    .where(accounts.c.id == row.id)
                    .values(disabled_at=datetime.now(UTC))
                )

    async def claim_owner(self, account: Account, owner: str) -> bool:
        """Whether ``account`` may own things as ``owner``, read afresh: its own name, an
        enabled organization it belongs to, or a name no account has yet, which becomes an
        organization with ``account`` as its first member. False for another's name."""
        if owner == account.username:
            return True
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(accounts).where(accounts.c.username == owner))).first()
            if row is not None:
                return (
                    row.type == ORGANIZATION
                    and row.disabled_at is None
                    and await _is_member(conn, row.id, account.id)
                )
        if account.type != USER:
            return False  # an organization cannot belong to another
        try:
            await self._new_organization(owner, account.id)
        except IntegrityError as error:
            if not violates_unique(error):
                raise
            return await self.claim_owner(account, owner)  # made meanwhile: read it again
        return True

    async def _new_organization(self, username: str, member_id: int) -> None:
        async with self._changes.changing(self._engine) as conn:
            org_id = await self._insert(conn, username, ORGANIZATION)
            await _insert_membership(conn, org_id, member_id)

    async def _row(self, conn: AsyncConnection, username: str) -> Any:
        row = (await conn.execute(select(accounts).where(accounts.c.username == username))).first()
        if row is None:
            raise NotFound(f"Account {username} not found")
        return row

    async def _entry(self, conn: AsyncConnection, row: Any) -> AccountEntry:
        member_names: tuple[str, ...] = ()
        if row.type == ORGANIZATION:
            query = (
                select(members.c.username)
                .join(memberships, memberships.c.member_id == members.c.id)
                .where(memberships.c.organization_id == row.id)
                .order_by(members.c.username)
            )
            member_names = tuple((await conn.execute(query)).scalars())
        return AccountEntry(
            account=await _account(conn, row),
            created_at=as_utc(row.created_at) or row.created_at,
            disabled=row.disabled_at is not None,
            members=member_names,
        )


async def _is_member(conn: AsyncConnection, organization_id: int, member_id: int) -> bool:
    query = select(memberships.c.member_id).where(
        memberships.c.organization_id == organization_id, memberships.c.member_id == member_id
    )
    return (await conn.execute(query)).first() is not None


async def _insert_membership(conn: AsyncConnection, organization_id: int, member_id: int) -> None:
    await conn.execute(
        insert(memberships).values(
            organization_id=organization_id, member_id=member_id, created_at=datetime.now(UTC)
        )
    )
