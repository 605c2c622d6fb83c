"""Trainings through the official client: one succeeds and its destination runs the trained
weights; one is canceled; one fails with its logs; their input is checked; they are listed
apart from predictions."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import pytest
import replicate
from replicate.exceptions import ReplicateError
from replicate.training import Training

from tests.conftest import MimeoServer
from tests.waiting import eventually
from tests.webhook_receiver import Receiver, events_in_order

TERMINAL = {"succeeded", "failed", "canceled"}
TRAINER = "fixtures/trainer"


@pytest.fixture(scope="module")
def trainer_version(push_fixture: Callable[[str], str]) -> str:
    return push_fixture("trainer")


def fresh_destination() -> str:
    """A model of the session's account that does not exist yet: the training makes it."""
    return f"admin/trained-{uuid.uuid4().hex[:8]}"


def until_done(training: Training) -> Training:
    def done() -> bool:
        training.reload()
        return training.status in TERMINAL

    eventually(done, f"training {training.id} ends")
    return training


def test_a_training_makes_a_version_of_its_destination_that_runs_the_weights(
    client: replicate.Client, trainer_version: str
) -> None:
    destination = fresh_destination()
    training = client.trainings.create(
        version=f"{TRAINER}:{trainer_version}",
        input={"greeting": "bonjour"},
        destination=destination,
    )
    assert training.status != "failed"
    assert training.urls is not None
    assert training.urls["get"].endswith(f"/trainings/{training.id}")

    training = until_done(training)

    assert training.status == "succeeded", training.error
    assert training.model == TRAINER
    assert training.version == trainer_version
    assert training.destination == destination
    assert "training the greeting 'bonjour'" in (training.logs or "")
    assert training.output["version"].startswith(f"{destination}:")
    assert httpx.get(training.output["weights"]).text == "bonjour"  # a signed URL
    assert training.started_at
    assert training.completed_at
    model = client.models.get(destination)
    assert model.latest_version is not None
    assert training.output["version"] == f"{destination}:{model.latest_version.id}"

    assert client.run(training.output["version"], input={"name": "Ada"}) == "bonjour Ada"
    assert client.run(destination, input={"name": "Bob"}) == "bonjour Bob"
    assert client.run(f"{TRAINER}:{trainer_version}", input={"name": "Cy"}) == "hello Cy"


def test_a_training_is_canceled(client: replicate.Client, trainer_version: str) -> None:
    training = client.trainings.create(
        version=f"{TRAINER}:{trainer_version}",
        input={"greeting": "never", "seconds": 30},
        destination=fresh_destination(),
    )

    def logging_while_it_runs() -> bool:
        current = client.trainings.get(training.id)
        return current.status == "processing" and "'never'" in (current.logs or "")

    eventually(logging_while_it_runs, "it runs and its logs arrive while it does")

    canceled = client.trainings.cancel(training.id)
    assert canceled.id == training.id
    until_done(training)

    assert training.status == "canceled"
    assert training.output is None


def test_a_failed_training_keeps_its_logs_and_makes_no_version(
    client: replicate.Client, trainer_version: str
) -> None:
    destination = fresh_destination()
    training = client.trainings.create(
        version=f"{TRAINER}:{trainer_version}",
        input={"greeting": "oops", "fail": True},
        destination=destination,
    )
    until_done(training)

    assert training.status == "failed"
    assert "training failed on purpose" in (training.error or "")
    assert "the training data is unusable" in (training.logs or "")
    assert client.models.get(destination).latest_version is None


def test_training_input_is_checked_against_train_and_not_predict(
    client: replicate.Client, trainer_version: str
) -> None:
    with pytest.raises(ReplicateError) as raised:
        client.trainings.create(
            version=f"{TRAINER}:{trainer_version}",
            input={"greeting": "", "seconds": -1},
            destination=fresh_destination(),
        )
    assert raised.value.status == 422
    assert "greeting" in str(raised.value)
    assert "seconds" in str(raised.value)


def test_a_version_without_train_cannot_be_trained(
    client: replicate.Client, push_fixture: Callable[[str], str]
) -> None:
    echo = push_fixture("echo")
    with pytest.raises(ReplicateError) as raised:
        client.trainings.create(
            version=f"fixtures/echo:{echo}", input={}, destination=fresh_destination()
        )
    assert raised.value.status == 400


def test_a_destination_of_another_owner_is_not_found(
    client: replicate.Client, trainer_version: str
) -> None:
    with pytest.raises(ReplicateError) as raised:
        client.trainings.create(
            version=f"{TRAINER}:{trainer_version}",
            input={"greeting": "hi"},
            destination="someone-else/model",
        )
    assert raised.value.status == 404


def test_trainings_and_predictions_are_listed_apart(
    client: replicate.Client, mimeo_server: MimeoServer, trainer_version: str
) -> None:
    training = client.trainings.create(
        version=f"{TRAINER}:{trainer_version}",
        input={"greeting": "listed"},
        destination=fresh_destination(),
    )
    prediction = client.predictions.create(version=trainer_version, input={"name": "list"})

    training_ids = {t.id for t in client.trainings.list().results}
    prediction_ids = {p.id for p in client.predictions.list().results}
    assert training.id in training_ids
    assert training.id not in prediction_ids
    assert prediction.id in prediction_ids
    assert prediction.id not in training_ids
    with mimeo_server.http() as http:
        assert http.get(f"/v1/predictions/{training.id}").status_code == 404
        assert http.get(f"/v1/trainings/{prediction.id}").status_code == 404
        assert training.urls is not None
        stream = http.get(training.urls["stream"], headers={"Accept": "text/event-stream"})
    assert stream.status_code == 200
    assert "event: done" in stream.text
    until_done(training)


def test_a_trainings_webhook_carries_the_training(
    client: replicate.Client, mimeo_server: MimeoServer, trainer_version: str
) -> None:
    with Receiver().start() as receiver:
        training = client.trainings.create(
            version=f"{TRAINER}:{trainer_version}",
            input={"greeting": "hooked"},
            destination=fresh_destination(),
            webhook=receiver.url,
            webhook_events_filter=["start", "completed"],
        )
        events = events_in_order(receiver.wait_completed(training.id))

    with mimeo_server.http() as http:
        final = http.get(f"/v1/trainings/{training.id}").json()
    assert events[-1][0].prediction == final
    assert final["status"] == "succeeded"
    assert final["urls"]["get"].endswith(f"/v1/trainings/{training.id}")
    assert final["output"]["version"].startswith(final["destination"] + ":")
