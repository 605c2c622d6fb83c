"""What a Cog predictor returns reaches the official client as the bare Cog server returns it.

Files differ only in how they travel (a ``data:`` URI from coglet; a signed URL that mimeo
serves, read through the client's ``FileOutput`` over https or fetched over http), so they are
compared by their bytes.
"""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest
import replicate
from replicate.helpers import FileOutput

from tests.compat.conftest import BareCog, Push

TWELVE_BYTES = "data:text/plain;base64," + base64.b64encode(b"twelve bytes").decode()


def contents(value: Any) -> Any:
    """``value`` with every file in it replaced by its bytes."""
    if isinstance(value, FileOutput):
        return value.read()
    if isinstance(value, str) and value.startswith("data:"):
        return base64.b64decode(value.split(",", 1)[1])
    if isinstance(value, str) and value.startswith("http") and "/v1/blobs/" in value:
        return httpx.get(value).raise_for_status().content
    if isinstance(value, list):
        return [contents(item) for item in value]
    return value


@pytest.mark.parametrize(
    ("fixture", "payload"),
    [
        ("echo", {"text": "same"}),
        ("runner-echo", {"text": "runner"}),
        ("runner-echo", {}),
        ("async-predictor", {"text": "async"}),
        ("setup-weights", {}),
        ("outputs-int", {}),
        ("outputs-float", {}),
        ("outputs-bool", {}),
        ("outputs-list", {}),
        ("outputs-object", {}),
        ("outputs-path", {}),
        ("outputs-list-path", {}),
        (
            "all-inputs",
            {"prompt": "p", "words": ["x"], "numbers": [3], "secret": "k", "path": TWELVE_BYTES},
        ),
    ],
)
def test_output_equals_the_bare_cog_server(
    client: replicate.Client, push_fixture: Push, bare_cog: BareCog, fixture: str, payload: Any
) -> None:
    version = push_fixture(fixture)

    through_mimeo = client.run(f"fixtures/{fixture}:{version}", input=payload)

    assert contents(through_mimeo) == contents(bare_cog.output(fixture, payload))


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("outputs-int", 42),
        ("outputs-float", 3.5),
        ("outputs-bool", True),
        ("outputs-list", [1, 2, 3]),
        ("outputs-object", {"text": "hello", "number": 7, "note": None}),
    ],
)
def test_a_json_output_keeps_its_type(
    client: replicate.Client, push_fixture: Push, fixture: str, expected: Any
) -> None:
    version = push_fixture(fixture)

    output = client.run(f"fixtures/{fixture}:{version}", input={})

    assert output == expected
    assert type(output) is type(expected)


def test_a_path_output_reads_back_as_its_bytes(
    client: replicate.Client, push_fixture: Push
) -> None:
    version = push_fixture("outputs-path")

    output = client.run(f"fixtures/outputs-path:{version}", input={})

    assert contents(output) == b"hello from outputs-path\n"


def test_a_list_of_paths_reads_back_in_order(client: replicate.Client, push_fixture: Push) -> None:
    version = push_fixture("outputs-list-path")

    outputs = client.run(f"fixtures/outputs-list-path:{version}", input={})

    assert contents(outputs) == [b"first\n", b"second\n"]


def test_the_new_runner_api_applies_its_input_default(
    client: replicate.Client, push_fixture: Push
) -> None:
    version = push_fixture("runner-echo")

    assert client.run(f"fixtures/runner-echo:{version}", input={}) == "hi"
