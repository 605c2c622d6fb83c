"""Deployments: a name that runs one model version on chosen hardware, changed by releases.

The row holds only the current release; changing its version or configuration makes the next
release (its number goes up by one) in a single UPDATE, so concurrent changes cannot share one.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from mimeo.core.deployments import max_in_flight
from mimeo.core.errors import NotFound
from mimeo.core.pagination import PAGE_SIZE, Cursor, Page
from mimeo.core.records import Deployment, Version
from mimeo.store.integrity import duplicate_is_conflict
from mimeo.store.paging import fetch_page
from mimeo.store.tables import deployments


class DeploymentRepository:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def create(
        self,
        account_id: int,
        owner: str,
        name: str,
        *,
        model: str,
        version: Version,
        hardware: str,
        min_instances: int,
        max_instances: int,
    ) -> Deployment:
        """The first release, number 1. ``model`` is the ``owner/name`` that holds ``version``."""
        now = datetime.now(UTC)
        values = {
            "account_id": account_id,
            "owner": owner,
            "name": name,
            "created_at": now,
            "release_number": 1,
            "release_created_at": now,
            "model": model,
            "version": version.id,
            "hardware": hardware,
            "min_instances": min_instances,
            "max_instances": max_instances,
            "max_in_flight": max_in_flight(max_instances, version.build),
        }
        with duplicate_is_conflict(f"A deployment named {owner}/{name} already exists"):
            async with self._engine.begin() as conn:
                row = (
                    await conn.execute(insert(deployments).values(**values).returning(deployments))
                ).one()
        return Deployment.from_row(row)

    async def get(self, owner: str, name: str, account_id: int | None = None) -> Deployment:
        """With ``account_id``, another account's deployment is not found, never forbidden."""
        query = select(deployments).where(deployments.c.owner == owner, deployments.c.name == name)
        if account_id is not None:
            query = query.where(deployments.c.account_id == account_id)
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            raise NotFound(f"Deployment {owner}/{name} not found")
        return Deployment.from_row(row)

    async def list_for_owners(
        self, owners: Collection[str], cursor: Cursor | None, page_size: int = PAGE_SIZE
    ) -> Page[Deployment]:
        """The deployments of these owners (an account and its organizations)."""
        async with self._engine.connect() as conn:
            return await fetch_page(
                conn,
                select(deployments).where(deployments.c.owner.in_(sorted(owners))),
                deployments.c.created_at,
                deployments.c.id,
                cursor,
                Deployment.from_row,
                page_size,
            )

    async def update(
        self,
        deployment: Deployment,
        *,
        version: Version,
        hardware: str,
        min_instances: int,
        max_instances: int,
    ) -> Deployment:
        """A new release when anything differs from ``deployment``; otherwise it, unchanged."""
        unchanged = (
            version.id == deployment.version
            and hardware == deployment.hardware
            and min_instances == deployment.min_instances
            and max_instances == deployment.max_instances
        )
        if unchanged:
            return deployment
        statement = (
            update(deployments)
            .where(deployments.c.id == deployment.id)
            .values(
                release_number=deployments.c.release_number + 1,
                release_created_at=datetime.now(UTC),
                version=version.id,
                hardware=hardware,
                min_instances=min_instances,
                max_instances=max_instances,
                max_in_flight=max_in_flight(max_instances, version.build),
            )
            .returning(deployments)
        )
        async with self._engine.begin() as conn:
            row = (await conn.execute(statement)).first()
        if row is None:
            raise NotFound(f"Deployment {deployment.full_name} not found")
        return Deployment.from_row(row)

    async def delete(self, owner: str, name: str, account_id: int | None = None) -> None:
        """With ``account_id``, only that account's deployment goes."""
        statement = delete(deployments).where(
            deployments.c.owner == owner, deployments.c.name == name
        )
        if account_id is not None:
            statement = statement.where(deployments.c.account_id == account_id)
        async with self._engine.begin() as conn:
            result = await conn.execute(statement)
        if result.rowcount == 0:
            raise NotFound(f"Deployment {owner}/{name} not found")

    async def list_warm(self) -> list[Deployment]:
        """Every account's deployments that keep instances running while idle, oldest first."""
        query = (
            select(deployments)
            .where(deployments.c.min_instances > 0)
            .order_by(deployments.c.created_at, deployments.c.id)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [Deployment.from_row(row) for row in rows]
