"""Input validation against a version's Cog schema (``mimeo.core.validation``)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mimeo.core.errors import FieldError, InvalidInput
from mimeo.core.validation import validate_input

# The shapes Cog's generator produces: choices live in a named enum component behind allOf,
# optionals are nullable, every property carries x-order and a title.
SCHEMA: dict[str, Any] = {
    "components": {
        "schemas": {
            "Input": {
                "type": "object",
                "title": "Input",
                "required": ["prompt"],
                "properties": {
                    "prompt": {"type": "string", "title": "Prompt", "x-order": 0},
                    "count": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": 10,
                        "default": 5,
                        "x-order": 1,
                    },
                    "scale": {
                        "type": "number",
                        "minimum": 0,
                        "maximum": 1.5,
                        "default": 0.5,
                        "x-order": 2,
                    },
                    "flag": {"type": "boolean", "default": False, "x-order": 3},
                    "color": {
                        "allOf": [{"$ref": "#/components/schemas/color"}],
                        "default": "red",
                        "x-order": 4,
                    },
                    "code": {"type": "string", "pattern": "^[a-z]+[0-9]*$", "x-order": 5},
                    "name": {"type": "string", "minLength": 2, "maxLength": 8, "x-order": 6},
                    "image": {"type": "string", "format": "uri", "x-order": 7},
                    "numbers": {"type": "array", "items": {"type": "integer"}, "x-order": 8},
                    "maybe": {"type": "string", "nullable": True, "default": None, "x-order": 9},
                    "options": {"type": "object", "x-order": 10},
                    "either": {
                        "anyOf": [{"type": "integer"}, {"type": "boolean"}],
                        "x-order": 11,
                    },
                },
            },
            "color": {
                "title": "color",
                "type": "string",
                "description": "An enumeration.",
                "enum": ["red", "green", "blue"],
            },
        }
    }
}


def field_errors(payload: object) -> list[FieldError]:
    with pytest.raises(InvalidInput) as raised:
        validate_input(SCHEMA, payload)
    return raised.value.errors


def test_valid_input_is_returned_as_given() -> None:
    payload = {"prompt": "hi", "count": 3, "color": "green", "numbers": [1, 2]}

    assert validate_input(SCHEMA, payload) == payload


def test_unknown_fields_are_dropped() -> None:
    assert validate_input(SCHEMA, {"prompt": "hi", "temperature": 0.7}) == {"prompt": "hi"}


def test_omitted_optional_fields_are_left_for_the_model_to_default() -> None:
    assert validate_input(SCHEMA, {"prompt": "hi"}) == {"prompt": "hi"}


def test_a_missing_required_field_is_named() -> None:
    assert field_errors({"count": 3}) == [FieldError("prompt", "is required")]


def test_every_bad_field_is_reported_at_once() -> None:
    errors = field_errors({"count": 0, "flag": "yes"})

    assert [e.field for e in errors] == ["prompt", "count", "flag"]


def test_input_that_is_not_an_object_is_rejected_as_a_whole() -> None:
    assert field_errors(["prompt"]) == [FieldError("input", "must be a JSON object")]


def test_the_error_detail_names_each_field() -> None:
    with pytest.raises(InvalidInput) as raised:
        validate_input(SCHEMA, {"prompt": "hi", "count": 11, "flag": 1})

    assert raised.value.status == 422
    assert raised.value.detail == (
        "count: 11 is greater than the maximum of 10; flag: must be a boolean, not integer"
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("prompt", 3, "must be a string, not integer"),
        ("count", "3", "must be an integer, not string"),
        ("count", True, "must be an integer, not boolean"),
        ("count", 2.5, "must be an integer, not number"),
        ("scale", "0.5", "must be a number, not string"),
        ("scale", False, "must be a number, not boolean"),
        ("scale", float("inf"), "must be a finite number"),
        ("scale", float("nan"), "must be a finite number"),
        ("flag", 1, "must be a boolean, not integer"),
        ("numbers", "1,2", "must be an array, not string"),
        ("options", [1], "must be an object, not array"),
    ],
)
def test_a_value_of_the_wrong_type_is_rejected(field: str, value: Any, message: str) -> None:
    assert field_errors({"prompt": "hi", field: value}) == [FieldError(field, message)]


def test_an_integral_float_is_accepted_as_an_integer() -> None:
    cleaned = validate_input(SCHEMA, {"prompt": "hi", "count": 3.0})

    assert cleaned["count"] == 3
    assert type(cleaned["count"]) is int


def test_an_integer_is_accepted_as_a_number() -> None:
    assert validate_input(SCHEMA, {"prompt": "hi", "scale": 1})["scale"] == 1


def test_null_is_rejected_where_the_input_is_not_nullable() -> None:
    assert field_errors({"prompt": None}) == [FieldError("prompt", "must be a string, not null")]


def test_null_is_rejected_even_where_the_input_is_nullable_as_cog_rejects_it() -> None:
    assert field_errors({"prompt": "hi", "maybe": None}) == [
        FieldError("maybe", "must not be null: leave it out to get its default")
    ]


def test_null_is_rejected_for_a_union_input() -> None:
    assert field_errors({"prompt": "hi", "either": None}) == [
        FieldError("either", "matches none of the allowed types")
    ]


def test_null_is_accepted_where_the_schema_gives_no_type() -> None:
    untyped: dict[str, Any] = {"properties": {"anything": {}}}
    schema = {"components": {"schemas": {"Input": untyped}}}

    assert validate_input(schema, {"anything": None}) == {"anything": None}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0, "0 is less than the minimum of 1"),
        (11, "11 is greater than the maximum of 10"),
    ],
)
def test_an_integer_outside_ge_le_is_rejected(value: int, message: str) -> None:
    assert field_errors({"prompt": "hi", "count": value}) == [FieldError("count", message)]


@given(st.integers(min_value=1, max_value=10))
def test_every_integer_within_ge_le_is_accepted(value: int) -> None:
    assert validate_input(SCHEMA, {"prompt": "hi", "count": value})["count"] == value


@given(st.integers().filter(lambda n: not 1 <= n <= 10))
def test_every_integer_outside_ge_le_is_rejected(value: int) -> None:
    assert [e.field for e in field_errors({"prompt": "hi", "count": value})] == ["count"]


def test_a_fractional_maximum_is_quoted_as_it_is() -> None:
    errors = field_errors({"prompt": "hi", "scale": 1.6})

    assert errors == [FieldError("scale", "1.6 is greater than the maximum of 1.5")]


def test_a_choice_from_the_referenced_enum_is_accepted() -> None:
    assert validate_input(SCHEMA, {"prompt": "hi", "color": "blue"})["color"] == "blue"


def test_a_value_outside_the_choices_is_rejected_with_the_allowed_values() -> None:
    errors = field_errors({"prompt": "hi", "color": "purple"})

    assert errors == [
        FieldError("color", "'purple' is not one of the allowed values: 'red', 'green', 'blue'")
    ]


def test_a_string_that_does_not_match_the_pattern_is_rejected() -> None:
    errors = field_errors({"prompt": "hi", "code": "ABC"})

    assert errors == [FieldError("code", "does not match the pattern '^[a-z]+[0-9]*$'")]


def test_a_string_matching_the_pattern_is_accepted() -> None:
    assert validate_input(SCHEMA, {"prompt": "hi", "code": "abc12"})["code"] == "abc12"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("m", "must be at least 2 characters long"),
        ("much-too-long", "must be at most 8 characters long"),
    ],
)
def test_a_string_outside_min_max_length_is_rejected(value: str, message: str) -> None:
    assert field_errors({"prompt": "hi", "name": value}) == [FieldError("name", message)]


@pytest.mark.parametrize("value", ["mi", "eightchr"])
def test_a_string_at_the_length_bounds_is_accepted(value: str) -> None:
    assert validate_input(SCHEMA, {"prompt": "hi", "name": value})["name"] == value


@pytest.mark.parametrize(
    "url", ["https://example.com/cat.png", "http://10.0.0.1/x", "data:text/plain;base64,aGk="]
)
def test_a_uri_input_accepts_http_and_data_urls(url: str) -> None:
    assert validate_input(SCHEMA, {"prompt": "hi", "image": url})["image"] == url


@pytest.mark.parametrize("url", ["/etc/passwd", "file:///etc/passwd", "ftp://example.com/x"])
def test_a_uri_input_rejects_other_schemes(url: str) -> None:
    errors = field_errors({"prompt": "hi", "image": url})

    assert errors == [FieldError("image", "must be an http(s) URL or a data: URI")]


def test_list_items_are_checked_and_the_bad_item_is_named() -> None:
    errors = field_errors({"prompt": "hi", "numbers": [1, "two"]})

    assert errors == [FieldError("numbers", "item 1 must be an integer, not string")]


def test_list_items_are_coerced_like_single_values() -> None:
    assert validate_input(SCHEMA, {"prompt": "hi", "numbers": [1.0, 2]})["numbers"] == [1, 2]


def test_any_of_accepts_a_value_matching_one_variant() -> None:
    assert validate_input(SCHEMA, {"prompt": "hi", "either": True})["either"] is True


def test_any_of_rejects_a_value_matching_no_variant() -> None:
    errors = field_errors({"prompt": "hi", "either": "x"})

    assert errors == [FieldError("either", "matches none of the allowed types")]


def test_a_schema_without_an_input_component_accepts_nothing_but_an_object() -> None:
    assert validate_input({}, {"anything": 1}) == {}
