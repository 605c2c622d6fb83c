"""Driver errors translated to ``core.errors`` in one place, by the error codes each database
gives (SQLite's extended result name, PostgreSQL's SQLSTATE), never by reading messages."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy.exc import IntegrityError

from mimeo.core.errors import Conflict

SQLITE_UNIQUE = frozenset({"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"})
POSTGRES_UNIQUE_VIOLATION = "23505"


def violates_unique(error: IntegrityError) -> bool:
    driver_error = error.orig
    return (
        getattr(driver_error, "sqlite_errorname", None) in SQLITE_UNIQUE
        or getattr(driver_error, "sqlstate", None) == POSTGRES_UNIQUE_VIOLATION
    )


@contextlib.contextmanager
def duplicate_is_conflict(detail: str) -> Iterator[None]:
    """A write that would duplicate a unique name answers 409 with ``detail``."""
    try:
        yield
    except IntegrityError as error:
        if violates_unique(error):
            raise Conflict(detail) from error
        raise
