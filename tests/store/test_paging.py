"""Keyset pages over ``(created_at, id)`` (``store.paging.fetch_page``), with small pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from mimeo.core.errors import InvalidRequest
from mimeo.core.pagination import Cursor, Page
from mimeo.core.records import Account
from mimeo.store.paging import fetch_page
from mimeo.store.store import Store
from mimeo.store.tables import models, predictions
from tests.store.conftest import Enqueue, FakeClock


async def page_of(store: Store, cursor: Cursor | None, size: int = 3) -> Page[str]:
    async with store.engine.connect() as conn:
        return await fetch_page(
            conn,
            select(predictions),
            predictions.c.created_at,
            predictions.c.id,
            cursor,
            lambda row: str(row.id),
            page_size=size,
        )


async def queue_at_one_moment(enqueue: Enqueue, clock: FakeClock, count: int) -> list[str]:
    """``count`` predictions sharing one ``created_at``: only the id orders them."""
    ids = [(await enqueue(created_at=clock.now)).id for _ in range(count)]
    return sorted(ids, reverse=True)


async def test_rows_created_at_the_same_moment_are_ordered_by_id(
    store: Store, enqueue: Enqueue, clock: FakeClock
) -> None:
    expected = await queue_at_one_moment(enqueue, clock, 3)

    assert (await page_of(store, None)).results == expected


async def test_ties_split_across_pages_lose_and_repeat_nothing(
    store: Store, enqueue: Enqueue, clock: FakeClock
) -> None:
    expected = await queue_at_one_moment(enqueue, clock, 7)
    seen: list[str] = []
    cursor: Cursor | None = None
    while True:
        page = await page_of(store, cursor)
        seen += page.results
        if page.next is None:
            break
        cursor = page.next

    assert seen == expected


async def test_walking_back_with_previous_retraces_the_pages(
    store: Store, enqueue: Enqueue, clock: FakeClock
) -> None:
    for _ in range(7):
        await enqueue()
        clock.advance(1)
    forward: list[Page[str]] = [await page_of(store, None)]
    while forward[-1].next is not None:
        forward.append(await page_of(store, forward[-1].next))

    backward: list[Page[str]] = [forward[-1]]
    while backward[-1].previous is not None:
        backward.append(await page_of(store, backward[-1].previous))

    assert [p.results for p in reversed(backward)] == [p.results for p in forward]


async def test_the_first_page_has_no_previous_and_the_last_no_next(
    store: Store, enqueue: Enqueue, clock: FakeClock
) -> None:
    for _ in range(4):
        await enqueue()
        clock.advance(1)

    first = await page_of(store, None)
    assert first.next is not None
    last = await page_of(store, first.next)

    assert (first.previous, last.next) == (None, None)
    assert len(last.results) == 1


async def test_an_empty_table_is_one_empty_page(store: Store) -> None:
    assert await page_of(store, None) == Page([], None, None)


async def test_a_cursor_past_the_end_is_an_empty_page(
    store: Store, enqueue: Enqueue, clock: FakeClock
) -> None:
    await enqueue()
    cursor = Cursor(clock.now - timedelta(days=1), "", forward=True)

    assert (await page_of(store, cursor)).results == []


async def model_page(store: Store, cursor: Cursor | None) -> Page[str]:
    async with store.engine.connect() as conn:
        return await fetch_page(
            conn, select(models), models.c.created_at, models.c.id, cursor, lambda r: r.name, 2
        )


async def test_a_cursor_over_an_integer_key_compares_it_as_an_integer(
    store: Store, account: Account
) -> None:
    moment = datetime(2030, 1, 1, tzinfo=UTC)
    async with store.engine.begin() as conn:
        for name in ("a", "b", "c"):
            values = {"owner": "alice", "name": name, "account_id": account.id}
            await conn.execute(insert(models).values(created_at=moment, **values))

    first = await model_page(store, None)
    assert first.next is not None

    assert (await model_page(store, first.next)).results == ["a"]


async def test_a_cursor_with_a_non_numeric_id_for_an_integer_key_is_invalid(
    store: Store,
) -> None:
    with pytest.raises(InvalidRequest, match="not a row id"):
        await model_page(store, Cursor(datetime(2030, 1, 1, tzinfo=UTC), "x"))
