"""A pooled PostgreSQL connection the server closed is never handed out: the next transaction
gets a fresh one, with no round trip spent checking the ones that are fine."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from mimeo.store.database import async_url, create_engine


async def backend_of(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        pid: int = (await connection.execute(select(func.pg_backend_pid()))).scalar_one()
        return pid


async def test_a_connection_the_server_closed_is_replaced(new_postgres_database: str) -> None:
    engine = create_engine(new_postgres_database)
    administrator = create_async_engine(async_url(new_postgres_database), poolclass=NullPool)
    try:
        heard_closed = asyncio.Event()
        async with engine.connect() as connection:
            raw = await connection.get_raw_connection()
            raw.driver_connection.add_termination_listener(lambda _: heard_closed.set())
            first = (await connection.execute(select(func.pg_backend_pid()))).scalar_one()
        async with administrator.connect() as other:
            await other.execute(select(func.pg_terminate_backend(first, 10_000)))
        await asyncio.wait_for(heard_closed.wait(), 10)

        assert await backend_of(engine) != first
    finally:
        await engine.dispose()
        await administrator.dispose()
