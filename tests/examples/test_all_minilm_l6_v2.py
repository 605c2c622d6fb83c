"""The all-minilm-l6-v2 example through the official client: 384-dimensional sentence
embeddings whose cosine similarity ranks a paraphrase above an unrelated sentence."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import pytest
import replicate
from replicate.exceptions import ModelError

pytestmark = pytest.mark.slow

ANCHOR = "A man is playing a guitar on stage."
PARAPHRASE = "Someone performs music with a guitar in front of an audience."
UNRELATED = "The central bank raised interest rates again this quarter."


@pytest.fixture(scope="module")
def model(push_example: Callable[[str], str]) -> str:
    return push_example("all-minilm-l6-v2")


def vectors(output: Any) -> list[list[float]]:
    assert isinstance(output, list)
    return [item["embedding"] for item in output]


def dot(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def test_a_paraphrase_ranks_above_an_unrelated_sentence(
    client: replicate.Client, model: str
) -> None:
    anchor, paraphrase, unrelated = vectors(
        client.run(model, input={"texts": f"{ANCHOR}\n{PARAPHRASE}\n\n{UNRELATED}\n"})
    )

    assert [len(anchor), len(paraphrase), len(unrelated)] == [384, 384, 384]
    for vector in (anchor, paraphrase, unrelated):
        assert math.isclose(math.sqrt(dot(vector, vector)), 1.0, abs_tol=1e-3)
    assert dot(anchor, paraphrase) > dot(anchor, unrelated) + 0.3


def test_a_json_list_is_one_text_per_item(client: replicate.Client, model: str) -> None:
    """A JSON list may hold texts with newlines; each item is one text, and the same text gives
    the same vector whichever form it came in."""
    listed = vectors(client.run(model, input={"texts": json.dumps([ANCHOR, "two\nlines"])}))
    lined = vectors(client.run(model, input={"texts": ANCHOR}))

    assert len(listed) == 2
    assert listed[0] == pytest.approx(lined[0], abs=1e-5)


def test_normalize_off_returns_the_raw_vector(client: replicate.Client, model: str) -> None:
    """The same direction as the unit vector, at the length mean pooling gave it."""
    prediction = client.predictions.create(
        version=model.split(":")[1], input={"texts": ANCHOR, "normalize": False, "batch_size": 1}
    )
    prediction.wait()
    (unit,) = vectors(client.run(model, input={"texts": ANCHOR}))

    assert prediction.status == "succeeded", prediction.error
    (raw,) = vectors(prediction.output)
    length = math.sqrt(dot(raw, raw))
    assert length > 1.5
    assert [x / length for x in raw] == pytest.approx(unit, abs=1e-5)


def test_nothing_to_embed_fails_the_prediction(client: replicate.Client, model: str) -> None:
    with pytest.raises(ModelError, match="nothing to embed"):
        client.run(model, input={"texts": " \n "})
