"""A prediction's sealed ``cog.Secret`` values: kept while it may still run (a retry needs
them), gone in the same write that ends it, whichever way it ends."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mimeo.core.leases import MAX_ATTEMPTS
from mimeo.core.status import PredictionStatus
from mimeo.queue import PredictionQueue
from mimeo.store.sealing import InputSealer, Unsealable, fernet_for
from mimeo.store.store import Store
from mimeo.store.tables import predictions
from tests.store.conftest import LEASE_SECONDS, Enqueue, FakeClock

SECRET = "sk-live-0123456789abcdef"


async def sealed_of(store: Store, prediction_id: str) -> str | None:
    query = select(predictions.c.sealed_secrets).where(predictions.c.id == prediction_id)
    async with store.engine.connect() as conn:
        value: str | None = (await conn.execute(query)).scalar_one()
    return value


@pytest.fixture
async def queued_id(store: Store, enqueue: Enqueue) -> str:
    """A prediction whose ``token`` input is a secret, queued as the API queues it."""
    sealed = await store.sealer.seal({"token": SECRET})
    prediction = await enqueue(input={"token": "**********"}, sealed_secrets=sealed)
    return prediction.id


async def test_the_value_is_sealed_and_opens_to_itself(store: Store) -> None:
    sealed = await store.sealer.seal({"token": SECRET, "keys": ["a", "b"]})

    assert sealed is not None
    assert SECRET not in sealed
    assert await store.sealer.open(sealed) == {"token": SECRET, "keys": ["a", "b"]}


async def test_nothing_to_seal_leaves_the_column_null(store: Store) -> None:
    assert await store.sealer.seal({}) is None
    assert await store.sealer.open(None) == {}


async def test_every_node_of_one_database_opens_what_another_sealed(store: Store) -> None:
    """The key comes from the database's server secrets, not from the node."""
    sealed = await InputSealer(store.secrets).seal({"token": SECRET})

    assert await InputSealer(store.secrets).open(sealed) == {"token": SECRET}


async def test_a_value_sealed_under_another_key_does_not_open(store: Store) -> None:
    foreign = fernet_for("another server's secret").encrypt(b'{"token": "x"}').decode()

    with pytest.raises(Unsealable):
        await store.sealer.open(foreign)


async def test_the_claim_carries_the_sealed_value_and_the_row_shows_it_redacted(
    store: Store, queue: PredictionQueue, queued_id: str
) -> None:
    claim = await queue.claim("wkr_a")

    assert claim is not None
    assert claim.prediction.input == {"token": "**********"}
    assert await store.sealer.open(claim.sealed_secrets) == {"token": SECRET}


async def test_finishing_drops_the_value(
    store: Store, queue: PredictionQueue, queued_id: str
) -> None:
    await queue.claim("wkr_a")
    await queue.finish(queued_id, "wkr_a", PredictionStatus.SUCCEEDED, output="ok")

    assert await sealed_of(store, queued_id) is None


async def test_failing_drops_the_value(
    store: Store, queue: PredictionQueue, queued_id: str
) -> None:
    await queue.claim("wkr_a")
    await queue.finish(queued_id, "wkr_a", PredictionStatus.FAILED, error="boom")

    assert await sealed_of(store, queued_id) is None


async def test_canceling_a_queued_prediction_drops_the_value(
    store: Store, queue: PredictionQueue, queued_id: str
) -> None:
    await queue.cancel(queued_id)

    assert await sealed_of(store, queued_id) is None


async def test_a_running_prediction_keeps_it_until_its_worker_ends_it(
    store: Store, queue: PredictionQueue, queued_id: str
) -> None:
    await queue.claim("wkr_a")
    await queue.cancel(queued_id)
    assert await sealed_of(store, queued_id) is not None

    await queue.finish(queued_id, "wkr_a", PredictionStatus.CANCELED)

    assert await sealed_of(store, queued_id) is None


async def test_a_retry_after_a_lost_lease_still_has_the_value(
    store: Store, queue: PredictionQueue, queued_id: str, clock: FakeClock
) -> None:
    await queue.claim("wkr_a")
    clock.advance(LEASE_SECONDS + 1)
    await queue.requeue_expired()

    retry = await queue.claim("wkr_b")

    assert retry is not None
    assert retry.prediction.attempts == 2
    assert await store.sealer.open(retry.sealed_secrets) == {"token": SECRET}


async def test_a_prediction_handed_back_still_has_the_value(
    store: Store, queue: PredictionQueue, queued_id: str
) -> None:
    await queue.claim("wkr_a")
    await queue.hand_back(queued_id, "wkr_a")

    again = await queue.claim("wkr_b")

    assert again is not None
    assert await store.sealer.open(again.sealed_secrets) == {"token": SECRET}


async def test_failing_in_a_sweep_after_the_last_attempt_drops_the_value(
    store: Store, queue: PredictionQueue, queued_id: str, clock: FakeClock
) -> None:
    for attempt in range(MAX_ATTEMPTS):
        assert await queue.claim(f"wkr_{attempt}") is not None
        clock.advance(LEASE_SECONDS + 1)
        await queue.requeue_expired()

    ended = await store.predictions.get(queued_id)
    assert ended.status is PredictionStatus.FAILED
    assert await sealed_of(store, queued_id) is None


async def test_canceling_by_the_deadline_drops_the_value(
    store: Store, queue: PredictionQueue, enqueue: Enqueue, clock: FakeClock
) -> None:
    sealed = await store.sealer.seal({"token": SECRET})
    prediction = await enqueue(sealed_secrets=sealed, cancel_after_seconds=5)
    clock.advance(6)

    await queue.enforce_deadlines()

    assert (await store.predictions.get(prediction.id)).status is PredictionStatus.CANCELED
    assert await sealed_of(store, prediction.id) is None
