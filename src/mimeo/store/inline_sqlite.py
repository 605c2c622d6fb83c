"""SQLite driven on the event loop's own thread: the stdlib driver, no thread hop per call.

aiosqlite runs each call (open a cursor, execute, fetch, close) on a thread of its own and hands
the result back through the loop: three or four hops per statement, about a millisecond per
transaction. mimeo's statements are short (microseconds in SQLite itself), so they run here
inline instead, behind the interface SQLAlchemy's aiosqlite dialect expects of a connection
(``create_async_engine(..., async_creator=...)``).

The one wait that is not short is another process holding the write lock. The driver's busy
handler would sleep in the loop's thread, so it is off (``busy_timeout=0``) and a statement that
finds the database busy is retried after an ``asyncio.sleep`` instead, for up to
``BUSY_TIMEOUT_SECONDS``: the loop keeps serving while it waits.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterable
from typing import Any

BUSY_TIMEOUT_SECONDS = 30.0
BUSY_RETRY_SECONDS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05)
"""Backoff between tries of a statement that found the database locked; the last one repeats."""


class InlineCursor:
    """An aiosqlite cursor's surface over a ``sqlite3.Cursor``, each call run at once."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Any = ()) -> InlineCursor:
        await _unless_busy(lambda: self._cursor.execute(sql, parameters))
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> InlineCursor:
        rows = list(parameters)
        await _unless_busy(lambda: self._cursor.executemany(sql, rows))
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class InlineConnection:
    """An aiosqlite connection's surface over a ``sqlite3.Connection`` in autocommit mode
    (``isolation_level=None``): the engine issues ``BEGIN IMMEDIATE`` itself."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection: sqlite3.Connection | None = connection

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._connection is None:
            raise sqlite3.ProgrammingError("Cannot operate on a closed database.")
        return self._connection

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    def cursor(self) -> InlineCursor:
        return InlineCursor(self._conn.cursor())

    async def begin_immediate(self) -> None:
        """Take the write lock now, so a transaction that reads then writes cannot deadlock."""
        await _unless_busy(lambda: self._conn.execute("BEGIN IMMEDIATE"))

    async def commit(self) -> None:
        await _unless_busy(self._conn.commit)

    async def rollback(self) -> None:
        self._conn.rollback()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        """Close at once (SQLAlchemy's forced termination)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def inline_connector(path: str) -> Callable[[], Any]:
    """The ``async_creator`` of an engine on the SQLite file at ``path``."""

    async def connect() -> InlineConnection:
        connection = sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False)
        return InlineConnection(connection)

    return connect


async def _unless_busy(call: Callable[[], object]) -> None:
    """Run ``call``; while the database is locked by another connection, wait on the loop and
    try again."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + BUSY_TIMEOUT_SECONDS
    tries = 0
    while True:
        try:
            call()
            return
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode != sqlite3.SQLITE_BUSY or loop.time() >= give_up:
                raise
        await asyncio.sleep(BUSY_RETRY_SECONDS[min(tries, len(BUSY_RETRY_SECONDS) - 1)])
        tries += 1
