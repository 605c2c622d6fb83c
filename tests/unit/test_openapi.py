"""Cog's OpenAPI document assembled from schema-probe facts (``mimeo.runtime.openapi``)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mimeo.core.errors import InvalidInput
from mimeo.core.status import PredictionStatus
from mimeo.core.validation import validate_input
from mimeo.runtime.openapi import build_schema, dumps

JSON = dict[str, Any]


def fact(name: str, schema: JSON, **facts: Any) -> JSON:
    """One input as ``schema_probe`` describes it; unset facts are absent, as there."""
    base: JSON = {
        "name": name,
        "schema": schema,
        "optional": False,
        "secret": False,
        "default": None,
        "description": None,
        "ge": None,
        "le": None,
        "min_length": None,
        "max_length": None,
        "regex": None,
        "choices": None,
        "deprecated": None,
        "accept": None,
        "declares_default": "default" in facts,
    }
    return {**base, **facts}


SECRET = {"type": "string", "format": "password", "writeOnly": True, "x-cog-secret": True}
FACTS: JSON = {
    "inputs": [
        fact("prompt", {"type": "string"}, description="What to draw"),
        fact("num_steps", {"type": "integer"}, default=20, ge=1.0, le=50.0),
        fact("guidance", {"type": "number"}, default=7.5, ge=0.5, le=20),
        fact("color", {"type": "string"}, default="red", choices=["red", "green"]),
        fact("size", {"type": "integer"}, default=2, choices=[1, 2, 4]),
        fact("code", {"type": "string"}, default="a1", regex="^[a-z]+[0-9]*$"),
        fact("name", {"type": "string"}, default="mimeo", min_length=2, max_length=8),
        fact("seed", {"type": "integer"}, optional=True, default=None),
        fact("note", {"type": "string"}, optional=True),
        fact("api_key", SECRET, secret=True, default=None),
        fact("old", {"type": "boolean"}, default=False, deprecated=True),
        fact("image", {"type": "string", "format": "uri"}, default=None, accept="image/*"),
        fact("either", {"anyOf": [{"type": "string"}, {"type": "number"}]}, default="a"),
    ],
    "output": {"type": "array", "items": {"type": "string"}, "x-cog-array-type": "iterator"},
}


@pytest.fixture
def schema() -> JSON:
    return build_schema(FACTS)


@pytest.fixture
def properties(schema: JSON) -> JSON:
    result: JSON = schema["components"]["schemas"]["Input"]["properties"]
    return result


def test_input_is_an_object_component_titled_input(schema: JSON) -> None:
    input_schema = schema["components"]["schemas"]["Input"]

    assert (input_schema["type"], input_schema["title"]) == ("object", "Input")


def test_properties_keep_the_predictors_order_in_x_order(properties: JSON) -> None:
    assert list(properties) == [f["name"] for f in FACTS["inputs"]]
    assert [p["x-order"] for p in properties.values()] == list(range(len(FACTS["inputs"])))


def test_a_property_is_titled_from_its_name(properties: JSON) -> None:
    assert properties["num_steps"]["title"] == "Num Steps"


def test_a_property_carries_its_type_and_description(properties: JSON) -> None:
    assert properties["prompt"]["type"] == "string"
    assert properties["prompt"]["description"] == "What to draw"


def test_only_inputs_without_a_default_are_required(schema: JSON) -> None:
    assert schema["components"]["schemas"]["Input"]["required"] == ["prompt", "image"]


def test_required_is_absent_when_every_input_has_a_default() -> None:
    schema = build_schema({"inputs": [fact("n", {"type": "integer"}, default=1)], "output": {}})

    assert "required" not in schema["components"]["schemas"]["Input"]


def test_a_secret_with_a_none_default_is_optional_and_nullable(
    schema: JSON, properties: JSON
) -> None:
    assert "api_key" not in schema["components"]["schemas"]["Input"]["required"]
    assert (properties["api_key"]["nullable"], properties["api_key"]["default"]) == (True, None)


def test_a_secret_without_a_default_is_required() -> None:
    schema = build_schema({"inputs": [fact("key", SECRET, secret=True)], "output": {}})

    assert schema["components"]["schemas"]["Input"]["required"] == ["key"]


def test_a_none_default_on_a_required_type_is_no_default(properties: JSON) -> None:
    assert "default" not in properties["image"]
    assert "nullable" not in properties["image"]


def test_a_default_is_published(properties: JSON) -> None:
    assert properties["num_steps"]["default"] == 20


def test_an_optional_input_with_a_none_default_is_nullable_with_a_null_default(
    properties: JSON,
) -> None:
    assert properties["seed"]["nullable"] is True
    assert properties["seed"]["default"] is None


def test_an_optional_input_that_names_no_default_has_no_default_key(
    schema: JSON, properties: JSON
) -> None:
    assert properties["note"]["nullable"] is True
    assert "default" not in properties["note"]
    assert "note" not in schema["components"]["schemas"]["Input"]["required"]


def test_a_file_input_with_accept_carries_x_cog_accept(properties: JSON) -> None:
    assert properties["image"]["x-cog-accept"] == "image/*"
    assert "x-cog-accept" not in properties["prompt"]


def test_a_nullable_union_marks_every_variant_nullable() -> None:
    variants = {"anyOf": [{"type": "string"}, {"type": "number"}], "nullable": True}
    schema = build_schema(
        {"inputs": [fact("v", variants, optional=True, default=None)], "output": {}}
    )

    assert schema["components"]["schemas"]["Input"]["properties"]["v"]["anyOf"] == [
        {"type": "string", "nullable": True},
        {"type": "number", "nullable": True},
    ]


def test_a_union_without_a_default_is_required_even_when_nullable() -> None:
    variants = {"anyOf": [{"type": "string"}, {"type": "number"}], "nullable": True}
    schema = build_schema({"inputs": [fact("v", variants, optional=True)], "output": {}})

    assert schema["components"]["schemas"]["Input"]["required"] == ["v"]


def test_ge_and_le_become_minimum_and_maximum(properties: JSON) -> None:
    assert (properties["guidance"]["minimum"], properties["guidance"]["maximum"]) == (0.5, 20)


def test_integral_float_bounds_are_written_as_integers(properties: JSON) -> None:
    assert properties["num_steps"]["minimum"] == 1
    assert isinstance(properties["num_steps"]["minimum"], int)


def test_length_bounds_and_regex_become_json_schema_keywords(properties: JSON) -> None:
    assert (properties["name"]["minLength"], properties["name"]["maxLength"]) == (2, 8)
    assert properties["code"]["pattern"] == "^[a-z]+[0-9]*$"


def test_choices_become_a_named_enum_component_behind_all_of(
    schema: JSON, properties: JSON
) -> None:
    assert properties["color"]["allOf"] == [{"$ref": "#/components/schemas/color"}]
    assert schema["components"]["schemas"]["color"] == {
        "title": "color",
        "type": "string",
        "description": "An enumeration.",
        "enum": ["red", "green"],
    }


def test_an_enum_component_keeps_the_choices_type(schema: JSON) -> None:
    assert schema["components"]["schemas"]["size"]["type"] == "integer"
    assert schema["components"]["schemas"]["size"]["enum"] == [1, 2, 4]


def test_a_deprecated_input_is_marked(properties: JSON) -> None:
    assert properties["old"]["deprecated"] is True
    assert "deprecated" not in properties["prompt"]


def test_output_is_the_predictors_output_type(schema: JSON) -> None:
    assert schema["components"]["schemas"]["Output"] == FACTS["output"]


def test_predictions_are_always_offered_as_a_stream(schema: JSON) -> None:
    assert schema["paths"]["/predictions"]["post"]["x-cog-streaming"] is True


def test_the_status_enum_lists_every_prediction_status(schema: JSON) -> None:
    assert schema["components"]["schemas"]["Status"]["enum"] == [s.value for s in PredictionStatus]


def test_dumps_writes_json_that_reads_back_the_same(schema: JSON) -> None:
    assert json.loads(dumps(schema)) == schema


def test_the_generated_schema_rejects_a_value_outside_the_choices(schema: JSON) -> None:
    with pytest.raises(InvalidInput) as raised:
        validate_input(schema, {"prompt": "a cat", "image": "data:,x", "color": "blue"})

    assert [e.field for e in raised.value.errors] == ["color"]


def test_the_generated_schema_accepts_an_input_within_every_rule(schema: JSON) -> None:
    payload = {"prompt": "a cat", "num_steps": 50, "size": 4, "code": "abc", "image": "data:,x"}

    assert validate_input(schema, payload) == payload


TRAINING: JSON = {
    "inputs": [
        fact("train_data", {"type": "string", "format": "uri"}),
        fact("epochs", {"type": "integer"}, default=3, ge=1),
    ],
    "output": {
        "title": "Output",
        "type": "object",
        "properties": {"weights": {"title": "Weights", "type": "string", "format": "uri"}},
        "required": ["weights"],
    },
}


def test_a_train_function_adds_training_input_output_and_route() -> None:
    schema = build_schema(FACTS, TRAINING)
    schemas = schema["components"]["schemas"]

    assert schemas["Input"] == build_schema(FACTS)["components"]["schemas"]["Input"]
    assert schemas["TrainingInput"]["title"] == "TrainingInput"
    assert schemas["TrainingInput"]["required"] == ["train_data"]
    assert schemas["TrainingInput"]["properties"]["epochs"]["minimum"] == 1
    assert schemas["TrainingOutput"]["title"] == "TrainingOutput"
    assert schemas["TrainingOutput"]["properties"]["weights"]["format"] == "uri"
    assert "/trainings" in schema["paths"]


def test_without_train_there_is_no_training_side() -> None:
    schema = build_schema(FACTS)
    assert "TrainingInput" not in schema["components"]["schemas"]
    assert "/trainings" not in schema["paths"]
