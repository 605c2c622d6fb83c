"""What a Cog predictor receives through mimeo: every input type, its defaults, and the
constraints of its ``Input(...)`` enforced as a 422 before anything is queued.

The predictor is tests/fixtures/all-inputs, which answers with a JSON summary of its arguments.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
import replicate
from replicate.exceptions import ReplicateError

from tests.compat.conftest import Push

TWELVE_BYTES = "data:text/plain;base64," + base64.b64encode(b"twelve bytes").decode()


@pytest.fixture(scope="module")
def version(push_fixture: Push) -> str:
    return push_fixture("all-inputs")


def received(client: replicate.Client, version: str, **extra: Any) -> dict[str, Any]:
    """What the predictor was called with, for ``prompt="p"`` plus ``extra``."""
    output: Any = client.run(f"fixtures/all-inputs:{version}", input={"prompt": "p", **extra})
    summary: dict[str, Any] = json.loads(output)
    return summary


def rejection(client: replicate.Client, version: str, payload: dict[str, Any]) -> ReplicateError:
    with pytest.raises(ReplicateError) as raised:
        client.predictions.create(version=version, input=payload)
    return raised.value


def test_omitted_inputs_take_their_declared_defaults(
    client: replicate.Client, version: str
) -> None:
    assert received(client, version) == {
        "prompt": "p", "text": "hello", "count": 5, "scale": 0.5, "flag": False,
        "path": None, "file": None, "secret": None, "words": [], "numbers": [],
        "maybe": None, "color": "red", "size": 2, "code": "abc1", "name": "mimeo",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("text", "t", "t"),
        ("count", 10, 10),
        ("count", 1, 1),
        ("scale", 0.25, 0.25),
        ("scale", 1, 1),
        ("flag", True, True),
        ("path", TWELVE_BYTES, {"length": 12}),
        ("file", TWELVE_BYTES, {"length": 12}),
        ("secret", "s3cret", "s3cret"),
        ("words", ["a", "b"], ["a", "b"]),
        ("numbers", [1, 2], [1, 2]),
        ("maybe", "m", "m"),
        ("color", "blue", "blue"),
        ("size", 4, 4),
        ("code", "xyz9", "xyz9"),
        ("name", "ab", "ab"),
        ("name", "abcdefgh", "abcdefgh"),
    ],
)
def test_each_input_type_reaches_the_predictor_as_given(
    client: replicate.Client, version: str, field: str, value: Any, expected: Any
) -> None:
    assert received(client, version, **{field: value})[field] == expected


def test_an_unknown_input_is_dropped_as_cog_drops_it(
    client: replicate.Client, version: str
) -> None:
    assert "bogus" not in received(client, version, bogus=1)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("count", 11),  # le=10
        ("count", 0),  # ge=1
        ("scale", 1.5),
        ("color", "pink"),  # choices
        ("size", 3),
        ("code", "ABC"),  # regex
        ("name", "a"),  # min_length
        ("name", "far-too-long"),  # max_length
        ("flag", "yes"),  # wrong type
        ("count", 2.5),
        ("count", "ten"),
        ("words", "a"),
        ("numbers", ["one"]),
        ("text", {"not": "a string"}),  # a type no input of Cog's takes here
        ("text", None),
        ("maybe", None),  # Cog refuses an explicit null even for an Optional input
        ("path", None),
        ("path", "not a url"),
    ],
)
def test_an_invalid_input_is_a_422_naming_the_field(
    client: replicate.Client, version: str, field: str, value: Any
) -> None:
    error = rejection(client, version, {"prompt": "p", field: value})

    assert error.status == 422
    assert field in (error.detail or "")


def test_a_missing_required_input_is_a_422_naming_it(
    client: replicate.Client, version: str
) -> None:
    error = rejection(client, version, {"text": "no prompt"})

    assert error.status == 422
    assert "prompt" in (error.detail or "")


def test_a_rejected_input_queues_no_prediction(client: replicate.Client, version: str) -> None:
    latest = client.predictions.create(version=version, input={"prompt": "p"}).id

    rejection(client, version, {"prompt": "p", "count": 0})

    assert client.predictions.list().results[0].id == latest
