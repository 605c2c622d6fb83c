"""Store and queue tests run on the real databases: a SQLite file in ``tmp_path`` always, and
PostgreSQL when ``MIMEO_TEST_DATABASE_URL`` names a server. A test session creates databases of
its own on that server (uniquely named, dropped at the end), so runs sharing it never meet; each
test starts from empty tables."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from mimeo.core.hardware import CPU
from mimeo.core.ids import new_prediction_id
from mimeo.core.records import Account, Model, NewPrediction, Prediction
from mimeo.queue import PredictionQueue
from mimeo.store.store import Store
from mimeo.store.tables import metadata
from tests.databases import create_database, drop_database

POSTGRES_URL_VARIABLE = "MIMEO_TEST_DATABASE_URL"
VERSION_ID = "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa"
LEASE_SECONDS = 30.0


async def migrate(url: str) -> None:
    store = await Store.open(url)
    await store.close()


async def empty_every_table(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            for table in reversed(metadata.sorted_tables):
                await conn.execute(table.delete())
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def postgres_server() -> str:
    server = os.environ.get(POSTGRES_URL_VARIABLE)
    if not server:
        pytest.skip(f"{POSTGRES_URL_VARIABLE} is not set: no PostgreSQL server to test against")
    return server


@pytest.fixture
def new_postgres_database(postgres_server: str) -> Iterator[str]:
    """A database of this test's own, not yet migrated (about half a second to create)."""
    name = f"mimeo_test_{uuid.uuid4().hex}"
    try:
        yield asyncio.run(create_database(postgres_server, name))
    finally:
        asyncio.run(drop_database(postgres_server, name))


@pytest.fixture(scope="session")
def migrated_postgres_database(postgres_server: str) -> Iterator[str]:
    """One migrated database for this session's tests, emptied before each of them."""
    name = f"mimeo_test_{uuid.uuid4().hex}"
    try:
        url = asyncio.run(create_database(postgres_server, name))
        asyncio.run(migrate(url))
        yield url
    finally:
        asyncio.run(drop_database(postgres_server, name))


BOTH_DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
# The PostgreSQL fixtures are sync and run their set-up with asyncio.run: they are looked up
# by name only for the PostgreSQL case, and that must happen outside the test's running loop.


@pytest.fixture(params=BOTH_DATABASES)
def new_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database, before any migration."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'mimeo.db'}"
    url: str = request.getfixturevalue("new_postgres_database")
    return url


@pytest.fixture(params=BOTH_DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated database without rows."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'mimeo.db'}"
    url: str = request.getfixturevalue("migrated_postgres_database")
    asyncio.run(empty_every_table(url))
    return url


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    opened = await Store.open(database_url)
    yield opened
    await opened.close()


@dataclass
class FakeClock:
    """The queue's clock, moved by hand: leases expire when a test says so."""

    now: datetime = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def queue(store: Store, clock: FakeClock) -> PredictionQueue:
    return PredictionQueue(store.engine, clock, lease_seconds=LEASE_SECONDS)


@pytest.fixture
async def account(store: Store) -> Account:
    return await store.accounts.ensure("alice", "r8_alice-token")


@pytest.fixture
async def model(store: Store, account: Account) -> Model:
    return await store.catalog.create_model(account.id, "alice", "echo")


class Enqueue(Protocol):
    async def __call__(self, *, created_at: datetime | None = None, **values: Any) -> Prediction:
        """Queue a prediction of alice/echo, created now (by the fake clock) unless told."""
        ...


def new_prediction(account: Account, model: Model, **values: Any) -> NewPrediction:
    """A prediction of alice/echo as the API asks for one; ``values`` override."""
    fields: dict[str, Any] = {
        "id": new_prediction_id(),
        "account_id": account.id,
        "model": model.full_name,
        "version": VERSION_ID,
        "input": {"text": "hello"},
        "hardware": CPU,
    }
    return NewPrediction(**{**fields, **values})


async def enqueue_at(
    queue: PredictionQueue, clock: FakeClock, new: NewPrediction, created_at: datetime | None
) -> Prediction:
    """Enqueue with the queue's clock at ``created_at`` (now when None), then put it back."""
    now = clock.now
    clock.now = created_at or now
    try:
        return await queue.enqueue(new)
    finally:
        clock.now = now


@pytest.fixture
def enqueue(queue: PredictionQueue, account: Account, model: Model, clock: FakeClock) -> Enqueue:
    """Queue a prediction the way the API does: the INSERT is the enqueue."""

    async def insert(*, created_at: datetime | None = None, **values: Any) -> Prediction:
        return await enqueue_at(queue, clock, new_prediction(account, model, **values), created_at)

    return insert
