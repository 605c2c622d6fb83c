"""SQLite runs on the event loop's thread: a write lock held by another process is waited out
on the loop (which goes on serving), and errors other than "busy" still surface at once."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from mimeo.store.store import Store


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(f"sqlite:///{tmp_path / 'mimeo.db'}")
    yield opened
    await opened.close()


async def test_a_lock_held_elsewhere_is_waited_out_while_the_loop_goes_on(
    store: Store, tmp_path: Path
) -> None:
    other = sqlite3.connect(tmp_path / "mimeo.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.005)

    async def write() -> int:
        async with store.engine.begin() as conn:
            return (await conn.execute(text("SELECT count(*) FROM accounts"))).scalar_one()

    ticking = asyncio.create_task(tick())
    writing = asyncio.create_task(write())
    await asyncio.sleep(0.2)
    assert not writing.done()
    ticks_while_locked = ticks
    other.execute("COMMIT")
    other.close()
    assert await asyncio.wait_for(writing, 10) == 0
    ticking.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await ticking
    assert ticks_while_locked >= 10


async def test_an_error_that_is_not_a_lock_is_raised_at_once(store: Store) -> None:
    async with store.engine.connect() as conn:
        with pytest.raises(OperationalError, match="no such table"):
            await conn.execute(text("SELECT * FROM no_such_table"))
