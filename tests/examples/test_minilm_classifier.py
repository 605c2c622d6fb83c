"""The minilm-classifier example through the official client: untrained it labels sentiment;
trained on ``topics.jsonl`` its destination's new version labels topics instead."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
import replicate

from tests.conftest import EXAMPLES
from tests.waiting import eventually

pytestmark = pytest.mark.slow
TERMINAL = {"succeeded", "failed", "canceled"}


@pytest.fixture(scope="module")
def model(push_example: Callable[[str], str]) -> str:
    return push_example("minilm-classifier")


def scores(output: Any) -> list[dict[str, Any]]:
    assert isinstance(output, list)
    return output


def top(output: Any) -> str:
    label: str = scores(output)[0]["label"]
    return label


def test_training_on_topics_turns_the_sentiment_model_into_a_topic_model(
    client: replicate.Client, model: str
) -> None:
    sentence = "The goalkeeper saved a penalty in the last minute"
    before = scores(client.run(model, input={"text": "What a wonderful, lovely present"}))
    assert top(before) == "positive"
    assert {s["label"] for s in before} == {"positive", "negative"}

    destination = f"admin/topics-{uuid.uuid4().hex[:8]}"
    with (EXAMPLES / "minilm-classifier" / "topics.jsonl").open("rb") as examples:
        training = client.trainings.create(
            version=model, input={"examples": examples}, destination=destination
        )

    def ended() -> bool:
        training.reload()
        return training.status in TERMINAL

    eventually(ended, "the training ends", 120)
    assert training.status == "succeeded", f"{training.error}\n{training.logs}"
    assert "training on 24 lines, labels: cooking, finance, space, sports" in (training.logs or "")

    after = scores(client.run(training.output["version"], input={"text": sentence}))
    assert top(after) == "sports"
    assert {s["label"] for s in after} == {"sports", "cooking", "space", "finance"}
    assert after[0]["score"] > 0.5
    assert top(client.run(destination, input={"text": "Whisk the cream with vanilla"})) == (
        "cooking"
    )
