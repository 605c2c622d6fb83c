"""Models and their versions."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, bindparam, delete, exists, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from mimeo.core.accounts import PUBLIC
from mimeo.core.errors import Conflict, NotFound
from mimeo.core.pagination import Cursor, Page
from mimeo.core.records import Account, Model, Version, as_utc
from mimeo.store.integrity import duplicate_is_conflict
from mimeo.store.paging import fetch_page
from mimeo.store.tables import models, versions

MODEL_COLUMNS = tuple(column for column in models.c if column is not models.c.readme)
"""Every column a ``Model`` needs: the README (up to 256 KiB each) is read on its own."""


def _version(row: Any, prefix: str = "") -> Version:
    """A version row, or its columns labelled ``{prefix}{column}`` in a wider row."""
    fields = row._mapping
    created_at = fields[f"{prefix}created_at"]
    return Version(
        id=fields[f"{prefix}id"],
        model_id=fields[f"{prefix}model_id"],
        cog_version=fields[f"{prefix}cog_version"],
        openapi_schema=fields[f"{prefix}openapi_schema"],
        build=fields[f"{prefix}build"],
        archive_key=fields[f"{prefix}archive_key"],
        created_at=as_utc(created_at) or created_at,
    )


def _joined_latest(row: Any) -> Version | None:
    """The latest version read beside its model (``MODEL_NAMED``), if it has one."""
    return None if row.latest_id is None else _version(row, prefix="latest_")


def _model(row: Any, latest: Version | None) -> Model:
    return Model(
        id=row.id,
        owner=row.owner,
        name=row.name,
        account_id=row.account_id,
        description=row.description,
        visibility=row.visibility,
        hardware=row.hardware,
        github_url=row.github_url,
        paper_url=row.paper_url,
        license_url=row.license_url,
        cover_image_url=row.cover_image_url,
        run_count=row.run_count,
        created_at=as_utc(row.created_at) or row.created_at,
        latest_version=latest,
    )


def visible_to(viewer: Account | None) -> ColumnElement[bool]:
    """``core.accounts.may_see`` as SQL: public models, and the viewer's own and its
    organizations' (only public ones for nobody, as an untokened search)."""
    if viewer is None:
        return models.c.visibility == PUBLIC
    return or_(models.c.visibility == PUBLIC, models.c.owner.in_(sorted(viewer.namespaces)))


async def model_with_latest(conn: AsyncConnection, row: Any) -> Model:
    """A model row (``MODEL_COLUMNS``) as a ``Model`` holding its latest version."""
    if row.latest_version_id is None:
        return _model(row, None)
    bound = {"model_id": row.id, "version_id": row.latest_version_id}
    version = (await conn.execute(VERSION_OF_MODEL, bound)).first()
    return _model(row, None if version is None else _version(version))


COUNTED_RUN = (
    update(models)
    .where(models.c.owner == bindparam("model_owner"), models.c.name == bindparam("model_name"))
    .values(run_count=models.c.run_count + 1)
    .returning(models.c.visibility)
)
"""One more run of ``model_owner/model_name``, written with the prediction's completion; it
reads back the model's visibility, which decides who pays for the run (``billing.predictions``)."""
LATEST_COLUMNS = tuple(column.label(f"latest_{column.name}") for column in versions.c)
MODEL_NAMED = (
    select(*MODEL_COLUMNS, *LATEST_COLUMNS)
    .select_from(
        models.outerjoin(
            versions,
            (versions.c.model_id == models.c.id) & (versions.c.id == models.c.latest_version_id),
        )
    )
    .where(models.c.owner == bindparam("owner"), models.c.name == bindparam("name"))
)
"""A model with its latest version in one statement: read on every prediction's creation, so
built once (its compiled form is found at once) and joined (a statement costs more in the
engine than in the database)."""
VERSION_OF_MODEL = select(versions).where(
    versions.c.model_id == bindparam("model_id"), versions.c.id == bindparam("version_id")
)


RUNNABLE_SECONDS = 1.0
"""How long a model read to create a prediction is used again. A write to this node's catalog
forgets them at once; another API node's write (cluster mode) is seen within this."""
MAX_RUNNABLE = 1024


class RecentModels:
    """Models read to create a prediction, each for ``RUNNABLE_SECONDS``: the lookup (a
    connection, a joined statement, the schema's JSON) was a tenth of an echo prediction's
    time, and a model's visibility, hardware and latest version change rarely.

    ``generation`` counts this node's catalog writes: a read that a write overtook is not kept,
    so no model older than the last write here is ever used again."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._kept: dict[tuple[str, str], tuple[float, Model]] = {}
        self.generation = 0

    def get(self, owner: str, name: str) -> Model | None:
        kept = self._kept.get((owner, name))
        if kept is None or kept[0] <= self._clock():
            return None
        return kept[1]

    def keep(self, model: Model, generation: int) -> None:
        if generation != self.generation:
            return
        if len(self._kept) >= MAX_RUNNABLE:
            self._kept.clear()
        self._kept[(model.owner, model.name)] = (self._clock() + RUNNABLE_SECONDS, model)

    def forget(self) -> None:
        self._kept.clear()
        self.generation += 1


class CatalogRepository:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._recent = RecentModels()

    @contextlib.asynccontextmanager
    async def _writing(self) -> AsyncIterator[AsyncConnection]:
        """Every write of the catalog: once it has ended, the models kept for creating
        predictions are read again."""
        try:
            async with self._engine.begin() as conn:
                yield conn
        finally:
            self._recent.forget()

    async def create_model(self, account_id: int, owner: str, name: str, **fields: Any) -> Model:
        values = {k: v for k, v in fields.items() if v is not None}
        with duplicate_is_conflict(f"A model named {owner}/{name} already exists"):
            async with self._writing() as conn:
                await conn.execute(
                    insert(models).values(
                        owner=owner,
                        name=name,
                        account_id=account_id,
                        created_at=datetime.now(UTC),
                        **values,
                    )
                )
        return await self.get_model(owner, name)

    async def set_cover(self, model: Model, cover_image_url: str) -> None:
        async with self._writing() as conn:
            await conn.execute(
                update(models)
                .where(models.c.id == model.id)
                .values(cover_image_url=cover_image_url)
            )

    async def set_readme(self, model: Model, readme: str | None) -> None:
        """The README a push carried or its owner sent (``core.readme`` checks its size)."""
        async with self._writing() as conn:
            await conn.execute(update(models).where(models.c.id == model.id).values(readme=readme))

    async def readme(self, model: Model) -> str | None:
        async with self._engine.connect() as conn:
            readme: str | None = (
                await conn.execute(select(models.c.readme).where(models.c.id == model.id))
            ).scalar()
        return readme

    async def get_model(self, owner: str, name: str) -> Model:
        async with self._engine.connect() as conn:
            row = (await conn.execute(MODEL_NAMED, {"owner": owner, "name": name})).first()
        if row is None:
            raise NotFound(f"Model {owner}/{name} not found")
        return _model(row, _joined_latest(row))

    async def model_to_run(self, owner: str, name: str) -> Model:
        """``get_model`` for creating a prediction: the same model for up to
        ``RUNNABLE_SECONDS`` (``RecentModels``). Its ``run_count`` is not kept current."""
        model = self._recent.get(owner, name)
        if model is None:
            generation = self._recent.generation
            model = await self.get_model(owner, name)
            self._recent.keep(model, generation)
        return model

    async def find_model(self, owner: str, name: str) -> Model | None:
        try:
            return await self.get_model(owner, name)
        except NotFound:
            return None

    async def update_model(self, model: Model, **fields: Any) -> Model:
        """Sets the given fields (None among them clears one)."""
        async with self._writing() as conn:
            await conn.execute(update(models).where(models.c.id == model.id).values(**fields))
        return await self.get_model(model.owner, model.name)

    async def list_models(self, cursor: Cursor | None, viewer: Account) -> Page[Model]:
        """The models ``viewer`` may see: public ones and its namespaces' private ones."""
        async with self._engine.connect() as conn:
            page = await fetch_page(
                conn,
                select(*MODEL_COLUMNS).where(visible_to(viewer)),
                models.c.created_at,
                models.c.id,
                cursor,
                lambda row: row,
            )
            results = [await model_with_latest(conn, row) for row in page.results]
        return Page(results, page.next, page.previous)

    async def delete_model(self, owner: str, name: str) -> None:
        model = await self.get_model(owner, name)
        async with self._writing() as conn:
            has_versions = (
                await conn.execute(select(exists().where(versions.c.model_id == model.id)))
            ).scalar()
            if has_versions:
                raise Conflict(
                    f"Model {owner}/{name} has versions: delete them first, "
                    "as Replicate only deletes models without versions"
                )
            await conn.execute(delete(models).where(models.c.id == model.id))

    async def add_version(
        self,
        model: Model,
        version_id: str,
        *,
        cog_version: str,
        openapi_schema: dict[str, Any],
        build: dict[str, Any],
        archive_key: str,
    ) -> Version:
        """Add a version, or return the existing one: versions are content-addressed."""
        async with self._writing() as conn:
            existing = await self._version_row(conn, model.id, version_id)
            if existing is None:
                await conn.execute(
                    insert(versions).values(
                        id=version_id,
                        model_id=model.id,
                        cog_version=cog_version,
                        openapi_schema=openapi_schema,
                        build=build,
                        archive_key=archive_key,
                        created_at=datetime.now(UTC),
                    )
                )
            await conn.execute(
                update(models).where(models.c.id == model.id).values(latest_version_id=version_id)
            )
        return await self.get_version(model, version_id)

    async def get_version(self, model: Model, version_id: str) -> Version:
        async with self._engine.connect() as conn:
            row = await self._version_row(conn, model.id, version_id)
        if row is None:
            raise NotFound(f"Version {version_id} of {model.full_name} not found")
        return _version(row)

    async def find_version(
        self, version_id: str, *, viewer: Account | None
    ) -> tuple[Model, Version]:
        """A bare version id (``POST /v1/predictions``): the newest model that holds it among
        those ``viewer`` may see (None: among all, for what is already the caller's, as its
        own prediction's version, or the worker's)."""
        query = select(versions).where(versions.c.id == version_id)
        if viewer is not None:
            query = query.join(models, models.c.id == versions.c.model_id).where(visible_to(viewer))
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(query.order_by(versions.c.created_at.desc()).limit(1))
            ).first()
            if row is None:
                raise NotFound(f"Version {version_id} not found")
            model_row = (
                await conn.execute(select(*MODEL_COLUMNS).where(models.c.id == row.model_id))
            ).one()
        return _model(model_row, None), _version(row)

    async def list_versions(self, model: Model, cursor: Cursor | None) -> Page[Version]:
        async with self._engine.connect() as conn:
            return await fetch_page(
                conn,
                select(versions).where(versions.c.model_id == model.id),
                versions.c.created_at,
                versions.c.id,
                cursor,
                _version,
            )

    async def delete_version(self, model: Model, version_id: str) -> None:
        async with self._writing() as conn:
            result = await conn.execute(
                delete(versions).where(versions.c.model_id == model.id, versions.c.id == version_id)
            )
            if result.rowcount == 0:
                raise NotFound(f"Version {version_id} of {model.full_name} not found")
            newest = (
                await conn.execute(
                    select(versions.c.id)
                    .where(versions.c.model_id == model.id)
                    .order_by(versions.c.created_at.desc())
                    .limit(1)
                )
            ).scalar()
            await conn.execute(
                update(models).where(models.c.id == model.id).values(latest_version_id=newest)
            )

    async def _version_row(self, conn: AsyncConnection, model_id: int, version_id: str) -> Any:
        bound = {"model_id": model_id, "version_id": version_id}
        return (await conn.execute(VERSION_OF_MODEL, bound)).first()
