"""Trainings share the queue with predictions: a warm slot takes only its own kind of job."""

from __future__ import annotations

from datetime import timedelta

from mimeo.core.protocol import Offer, WarmSlot
from mimeo.core.records import PREDICTION, TRAINING
from mimeo.queue import PredictionQueue
from mimeo.store.store import Store
from tests.store.conftest import VERSION_ID, Enqueue, FakeClock


def warm(kind: str) -> Offer:
    return Offer(
        warm=[WarmSlot(version=VERSION_ID, hardware="cpu", kind=kind)], startable_hardware=[]
    )


async def test_a_warm_predict_instance_does_not_take_a_training_of_its_version(
    queue: PredictionQueue, enqueue: Enqueue
) -> None:
    training = await enqueue(kind=TRAINING, destination="alice/tuned")

    assert await queue.claim("wkr_a", warm(PREDICTION)) is None
    claim = await queue.claim("wkr_a", warm(TRAINING))

    assert claim is not None
    assert (claim.prediction.id, claim.prediction.kind) == (training.id, TRAINING)
    assert claim.prediction.destination == "alice/tuned"


async def test_a_new_instance_takes_either_kind_in_creation_order(
    queue: PredictionQueue, enqueue: Enqueue, clock: FakeClock
) -> None:
    training = await enqueue(
        kind=TRAINING, destination="alice/tuned", created_at=clock.now - timedelta(seconds=1)
    )
    prediction = await enqueue()

    first = await queue.claim("wkr_a", Offer(startable_hardware=["cpu"]))
    second = await queue.claim("wkr_b", warm(PREDICTION))

    assert first is not None
    assert second is not None
    assert (first.prediction.id, second.prediction.id) == (training.id, prediction.id)


async def test_trainings_and_predictions_are_listed_apart(store: Store, enqueue: Enqueue) -> None:
    training = await enqueue(kind=TRAINING, destination="alice/tuned")
    prediction = await enqueue()

    trainings = await store.predictions.list_for_account(training.account_id, None, kind=TRAINING)
    predictions = await store.predictions.list_for_account(training.account_id, None)

    assert [t.id for t in trainings.results] == [training.id]
    assert [p.id for p in predictions.results] == [prediction.id]
