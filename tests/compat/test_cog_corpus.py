"""Models from Cog's own integration tests (``integration-tests/tests/*.txtar`` in
replicate/cog), written afresh as fixtures for what they check that the other fixtures do not:
a function as the predictor, a class outside Cog's base classes, a predictor in a subdirectory,
dict inputs, a union of list types, a URL given to a str input.

Each answers through mimeo as the bare Cog server answers, and refuses what it refuses.
"""

from __future__ import annotations

from typing import Any

import pytest
import replicate
from replicate.exceptions import ReplicateError

from tests.compat.conftest import BareCog, Push

pytestmark = pytest.mark.slow

URL = "https://api.example.com/v1/resource"


@pytest.mark.parametrize(
    ("fixture", "payload", "expected"),
    [
        ("function-predictor", {"prompt": "world"}, "HELLO WORLD"),
        ("plain-class", {"text": "world"}, "hello world"),
        ("subdirectory", {"s": "world"}, "hello world"),
        (
            "dict-inputs",
            {"data": {"greeting": "hi", "count": 3}, "messages": [{"role": "u", "content": "c"}]},
            "count=3, greeting=hi | u: c",
        ),
        ("dict-inputs", {"data": {}, "messages": []}, " | "),
        ("union-list", {"nums": [1]}, "int:1"),
        ("union-list", {"nums": [1.5]}, "float:1.5"),
        ("union-list", {"nums": []}, "empty"),
        ("url-string", {"url": URL}, f"type=str value={URL}"),
    ],
)
def test_the_output_equals_the_bare_cog_server(
    client: replicate.Client,
    push_fixture: Push,
    bare_cog: BareCog,
    fixture: str,
    payload: dict[str, Any],
    expected: Any,
) -> None:
    version = push_fixture(fixture)

    through_mimeo = client.run(f"fixtures/{fixture}:{version}", input=payload)

    assert through_mimeo == bare_cog.output(fixture, payload) == expected


@pytest.mark.parametrize(
    ("fixture", "payload"),
    [
        ("union-list", {"nums": ["3"]}),
        ("union-list", {"nums": [True]}),
        ("union-list", {"nums": 1}),
        ("dict-inputs", {"data": "not an object", "messages": []}),
        ("dict-inputs", {"data": {}, "messages": ["not an object"]}),
    ],
)
def test_what_the_bare_cog_server_refuses_is_a_422(
    client: replicate.Client,
    push_fixture: Push,
    bare_cog: BareCog,
    fixture: str,
    payload: dict[str, Any],
) -> None:
    version = push_fixture(fixture)

    with pytest.raises(ReplicateError) as raised:
        client.predictions.create(version=version, input=payload)

    assert bare_cog.answer(fixture, payload).status_code == 422
    assert raised.value.status == 422
