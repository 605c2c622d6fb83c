"""Keyset pagination over any table with ``created_at`` and ``id``, newest first."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Integer, Select, and_, or_
from sqlalchemy.ext.asyncio import AsyncConnection

from mimeo.core.errors import InvalidRequest
from mimeo.core.pagination import PAGE_SIZE, Cursor, Page
from mimeo.core.records import as_utc

T = TypeVar("T")


def _cursor_id(id_: Any, cursor: Cursor) -> Any:
    """A cursor carries its id as text; PostgreSQL will not compare text with an integer key."""
    if not isinstance(getattr(id_, "type", None), Integer):
        return cursor.id
    try:
        return int(cursor.id)
    except ValueError as error:
        raise InvalidRequest(f"invalid cursor: {cursor.id!r} is not a row id") from error


async def fetch_page(
    conn: AsyncConnection,
    query: Select[Any],
    created_at: Any,
    id_: Any,
    cursor: Cursor | None,
    to_record: Callable[[Any], T],
    page_size: int = PAGE_SIZE,
) -> Page[T]:
    cursor_id = None if cursor is None else _cursor_id(id_, cursor)
    if cursor is None or cursor.forward:
        if cursor is not None:
            query = query.where(
                or_(
                    created_at < cursor.created_at,
                    and_(created_at == cursor.created_at, id_ < cursor_id),
                )
            )
        query = query.order_by(created_at.desc(), id_.desc())
    else:
        query = query.where(
            or_(
                created_at > cursor.created_at,
                and_(created_at == cursor.created_at, id_ > cursor_id),
            )
        ).order_by(created_at.asc(), id_.asc())
    rows = list((await conn.execute(query.limit(page_size + 1))).all())
    more = len(rows) > page_size
    rows = rows[:page_size]
    if cursor is not None and not cursor.forward:
        rows.reverse()
    if not rows:
        return Page([], None, None)

    def key(row: Any, forward: bool) -> Cursor:
        return Cursor(as_utc(row.created_at) or row.created_at, str(row.id), forward)

    going_back = cursor is not None and not cursor.forward
    has_next = more if not going_back else True
    has_previous = cursor is not None and (more if going_back else True)
    return Page(
        [to_record(row) for row in rows],
        key(rows[-1], True) if has_next else None,
        key(rows[0], False) if has_previous else None,
    )
