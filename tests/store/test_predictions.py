"""Prediction rows as the API creates and reads them (``store.predictions``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import insert

from mimeo.core.errors import NotFound
from mimeo.core.ids import new_prediction_id
from mimeo.core.pagination import PAGE_SIZE, Cursor
from mimeo.core.records import Account, Prediction
from mimeo.core.status import PredictionStatus
from mimeo.store.store import Store
from mimeo.store.tables import predictions
from tests.store.conftest import VERSION_ID, Enqueue, FakeClock


async def test_an_inserted_prediction_reads_back_the_same(store: Store, enqueue: Enqueue) -> None:
    inserted = await enqueue(input={"text": "hello", "n": [1, 2]})

    assert await store.predictions.get(inserted.id) == inserted


async def test_a_new_prediction_is_queued_with_no_lease(enqueue: Enqueue) -> None:
    prediction = await enqueue()

    assert prediction.status is PredictionStatus.STARTING
    assert (prediction.lease_owner, prediction.attempts, prediction.cancel_requested) == (
        None,
        0,
        False,
    )


async def test_times_read_back_in_utc(enqueue: Enqueue, clock: FakeClock) -> None:
    prediction = await enqueue()

    assert prediction.created_at == clock.now
    assert prediction.created_at.utcoffset() == timedelta(0)


async def test_an_unknown_prediction_is_not_found(store: Store, account: Account) -> None:
    with pytest.raises(NotFound):
        await store.predictions.get("nothing")


async def test_another_accounts_prediction_is_not_found(store: Store, enqueue: Enqueue) -> None:
    prediction = await enqueue()
    bob = await store.accounts.ensure("bob", "r8_bob-token")

    with pytest.raises(NotFound):
        await store.predictions.get(prediction.id, account_id=bob.id)


async def test_the_owner_finds_its_prediction(
    store: Store, account: Account, enqueue: Enqueue
) -> None:
    prediction = await enqueue()

    assert await store.predictions.get(prediction.id, account_id=account.id) == prediction


async def test_an_account_lists_only_its_own_predictions_newest_first(
    store: Store, account: Account, enqueue: Enqueue, clock: FakeClock
) -> None:
    bob = await store.accounts.ensure("bob", "r8_bob-token")
    first = await enqueue()
    clock.advance(1)
    await enqueue(account_id=bob.id)
    clock.advance(1)
    second = await enqueue()

    page = await store.predictions.list_for_account(account.id, None)

    assert [p.id for p in page.results] == [second.id, first.id]
    assert (page.next, page.previous) == (None, None)


async def insert_many(store: Store, account: Account, clock: FakeClock, count: int) -> list[str]:
    """``count`` predictions one second apart, in one statement; ids newest first."""
    rows: list[dict[str, Any]] = []
    for second in range(count):
        rows.append(
            {
                "id": new_prediction_id(),
                "account_id": account.id,
                "model": "alice/echo",
                "version": VERSION_ID,
                "input": {},
                "status": PredictionStatus.STARTING,
                "created_at": clock.now + timedelta(seconds=second),
            }
        )
    async with store.engine.begin() as conn:
        await conn.execute(insert(predictions), rows)
    return [row["id"] for row in reversed(rows)]


async def walk(store: Store, account: Account) -> list[list[Prediction]]:
    """Follow ``next`` from the first page, through encoded cursors as the API hands them out."""
    pages = [(await store.predictions.list_for_account(account.id, None))]
    while pages[-1].next is not None:
        cursor = Cursor.decode(pages[-1].next.encode())
        pages.append(await store.predictions.list_for_account(account.id, cursor))
    return [page.results for page in pages]


async def test_following_next_visits_every_prediction_once_newest_first(
    store: Store, account: Account, clock: FakeClock
) -> None:
    newest_first = await insert_many(store, account, clock, 2 * PAGE_SIZE + 5)

    pages = await walk(store, account)

    assert [len(page) for page in pages] == [PAGE_SIZE, PAGE_SIZE, 5]
    assert [p.id for page in pages for p in page] == newest_first


async def test_previous_from_the_second_page_returns_the_first(
    store: Store, account: Account, clock: FakeClock
) -> None:
    await insert_many(store, account, clock, PAGE_SIZE + 1)
    first = await store.predictions.list_for_account(account.id, None)
    assert first.next is not None
    second = await store.predictions.list_for_account(account.id, first.next)
    assert second.previous is not None

    back = await store.predictions.list_for_account(account.id, second.previous)

    assert [p.id for p in back.results] == [p.id for p in first.results]
    assert back.previous is None


async def test_a_prediction_created_after_the_first_page_does_not_shift_the_next(
    store: Store, account: Account, clock: FakeClock, enqueue: Enqueue
) -> None:
    newest_first = await insert_many(store, account, clock, PAGE_SIZE + 3)
    first = await store.predictions.list_for_account(account.id, None)
    assert first.next is not None

    await enqueue(created_at=clock.now + timedelta(days=1))
    second = await store.predictions.list_for_account(account.id, first.next)

    assert [p.id for p in second.results] == newest_first[PAGE_SIZE:]
