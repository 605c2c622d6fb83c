"""Optional inputs behave as under Cog: left out, the model gets None (even an ``Optional[str]``
with no default at all); sent as an explicit null, the prediction is refused with a 422, for an
Optional input and for a union with None alike. The fixture is tests/fixtures/optional-inputs.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import replicate
from replicate.exceptions import ReplicateError

from tests.compat.conftest import BareCog, Push

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def version(push_fixture: Push) -> str:
    return push_fixture("optional-inputs")


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"bare": "given"},
        {"note": "n", "either": "text"},
        {"either": 1.5},
        {"either": 2},
    ],
)
def test_what_the_model_receives_equals_the_bare_cog_server(
    client: replicate.Client, version: str, bare_cog: BareCog, payload: dict[str, Any]
) -> None:
    through_mimeo: Any = client.run(f"fixtures/optional-inputs:{version}", input=payload)

    assert json.loads(through_mimeo) == json.loads(bare_cog.output("optional-inputs", payload))


def test_an_optional_input_without_a_default_is_none_when_left_out(
    client: replicate.Client, version: str
) -> None:
    output: Any = client.run(f"fixtures/optional-inputs:{version}", input={})

    assert json.loads(output) == {"bare": None, "note": None, "either": None}


@pytest.mark.parametrize("field", ["bare", "note", "either"])
def test_an_explicit_null_is_refused_as_the_bare_cog_server_refuses_it(
    client: replicate.Client, version: str, bare_cog: BareCog, field: str
) -> None:
    with pytest.raises(ReplicateError) as raised:
        client.predictions.create(version=version, input={field: None})

    assert bare_cog.answer("optional-inputs", {field: None}).status_code == 422
    assert raised.value.status == 422
    assert field in (raised.value.detail or "")


def test_the_schema_gives_a_default_only_where_the_source_names_one(
    client: replicate.Client, version: str
) -> None:
    schema = client.models.get("fixtures/optional-inputs").versions.get(version).openapi_schema
    properties = schema["components"]["schemas"]["Input"]["properties"]

    assert "default" not in properties["bare"]
    assert properties["note"]["default"] is None
    assert properties["either"]["default"] is None
    assert all(p["nullable"] is True for p in properties.values())
