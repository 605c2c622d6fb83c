"""The Gemma 3 270M example through a real server and the unchanged ``replicate`` client.

Slow: the first push builds an environment with llama.cpp and 253 MB of weights, and the first
prediction starts an instance that loads the model (a few seconds). Predictions ask for a few
tokens only.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import replicate
from replicate.exceptions import ReplicateError
from replicate.stream import ServerSentEvent

pytestmark = pytest.mark.slow
PROMPT = "The three most useful kitchen tools are"


@pytest.fixture(scope="module")
def gemma(push_example: Callable[[str], str]) -> str:
    """``owner/name:version`` of the pushed example."""
    return push_example("gemma-3-270m")


def test_stream_yields_tokens_as_separate_events(client: replicate.Client, gemma: str) -> None:
    events = list(client.stream(gemma, input={"prompt": PROMPT, "max_tokens": 8, "seed": 42}))

    tokens = [str(e) for e in events if e.event == ServerSentEvent.EventType.OUTPUT]
    assert len(tokens) > 1
    assert "".join(tokens).strip()
    assert events[-1].event == ServerSentEvent.EventType.DONE


def test_run_returns_an_iterator_that_joins_to_text(client: replicate.Client, gemma: str) -> None:
    output = client.run(gemma, input={"prompt": PROMPT, "max_tokens": 6, "seed": 7})

    assert not isinstance(output, str)
    assert "".join(output).strip()


def test_max_tokens_bounds_the_output_and_metrics_count_tokens(
    client: replicate.Client, gemma: str
) -> None:
    prediction = client.predictions.create(
        version=gemma.partition(":")[2],
        input={"prompt": PROMPT, "max_tokens": 3, "seed": 1, "stop_sequences": "<stop>"},
    )
    prediction.wait()

    assert prediction.status == "succeeded", prediction.error
    assert prediction.metrics is not None
    # A chunk is one token or several (llama.cpp holds back text that may begin a stop sequence).
    assert 1 <= len(prediction.output) <= prediction.metrics["output_token_count"] <= 3
    assert prediction.metrics["input_token_count"] > 1
    assert prediction.metrics["time_to_first_token"] > 0
    assert "input tokens:" in (prediction.logs or "")


def test_max_new_tokens_is_an_alias_that_wins(client: replicate.Client, gemma: str) -> None:
    output = client.run(
        gemma, input={"prompt": PROMPT, "max_tokens": 50, "max_new_tokens": 2, "seed": 3}
    )

    assert 1 <= len(list(output)) <= 2


def test_invalid_input_is_a_422(client: replicate.Client, gemma: str) -> None:
    with pytest.raises(ReplicateError) as raised:
        client.predictions.create(
            version=gemma.partition(":")[2], input={"prompt": PROMPT, "temperature": "hot"}
        )

    assert raised.value.status == 422
    assert "temperature" in str(raised.value)
