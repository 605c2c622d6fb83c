"""Open the database and bring its schema to head.

SQLite is the embedded default. One process owns the file, so it holds one connection and
callers queue for it in asyncio: that replaces SQLite's busy-wait (which sleeps up to 100 ms a
try) with a fair, immediate hand-over. The connection runs on the event loop's thread
(``inline_sqlite``): mimeo's statements are shorter than a hop to a driver thread. WAL keeps
other processes' readers unblocked, a lock held by another process is waited out on the loop,
and ``BEGIN IMMEDIATE`` takes the write lock up front so a transaction that reads then writes
cannot deadlock on the upgrade.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, func, make_url, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.util import await_

from mimeo.store.inline_sqlite import InlineConnection, inline_connector

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def async_url(url: str) -> str:
    """Accept plain ``sqlite:///`` and ``postgresql://`` URLs and pick the async driver."""
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url.removeprefix("sqlite:///")
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    return url


def is_sqlite(url: str) -> bool:
    return async_url(url).startswith("sqlite")


def create_engine(url: str) -> AsyncEngine:
    url = async_url(url)
    if not is_sqlite(url):
        return _postgres_engine(url)
    _keep_private(url)
    engine = create_async_engine(
        url,
        async_creator=inline_connector(make_url(url).database or ""),
        pool_size=1,
        max_overflow=0,
        pool_timeout=60,
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin_immediate(connection: Connection) -> None:
        # Straight to the driver: the engine's own way (an execution context, its events, a
        # cursor) cost more than the statement, three times per prediction.
        inline = connection.connection.driver_connection
        assert isinstance(inline, InlineConnection)
        await_(inline.begin_immediate())

    return engine


def _postgres_engine(url: str) -> AsyncEngine:
    """A pooled connection the server has closed (a restart, an administrator's kill) is
    dropped as it is checked out, for another: asyncpg has seen the server's close by then, so
    asking it costs nothing, where ``pool_pre_ping`` paid a round trip to the server in every
    transaction (measured: 0.8 ms of a 10 ms prediction in cluster mode)."""
    engine = create_async_engine(url, pool_size=10, max_overflow=20)

    @event.listens_for(engine.sync_engine, "checkout")
    def _drop_closed(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if dbapi_connection.driver_connection.is_closed():
            raise DisconnectionError("the server closed this connection")

    return engine


def _keep_private(url: str) -> None:
    """The SQLite file holds the signing and webhook secrets: 0600, made so before SQLite
    creates it, as SQLite gives its -wal and -shm files the database file's mode."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if not path.parent.is_dir():
        return  # SQLite will say so, in its own words
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if file.exists():
            file.chmod(0o600)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", async_url(url))
    return config


MIGRATION_LOCK = 0x6D696D656F
"""The PostgreSQL advisory lock API nodes take while migrating: nodes that start together on
a new database upgrade it one after the other instead of racing on the same tables."""


async def migrate(engine: AsyncEngine) -> None:
    """Upgrade to head on an existing engine: one code path for serve, tests and the CLI."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))

    def _upgrade(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            await connection.execute(select(func.pg_advisory_xact_lock(MIGRATION_LOCK)))
        await connection.run_sync(_upgrade)
