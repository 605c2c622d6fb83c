"""Validate a prediction's input against its version's Cog schema, before it is queued.

The rules are the subset of JSON Schema that Cog's generated ``Input`` component uses (type,
``format: uri``, enums behind ``allOf: [$ref]``, minimum/maximum, min/max length, pattern,
required). Unknown fields are dropped, as coglet drops them. Every bad field is reported, not
just the first, so a user fixes their call in one go.

A secret field (``cog.Secret``) is checked like any other, but no message quotes its value: a
422 must not echo the secret back into a client's logs.

``nullable`` admits no explicit null: coglet checks input with plain JSON Schema, which does not
know that OpenAPI keyword, so Cog refuses ``{"note": null}`` for an ``Optional[str]`` and a model
only ever sees None by the input being left out. mimeo refuses it the same way, before queueing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from mimeo.core.errors import FieldError, InvalidInput
from mimeo.core.secret_inputs import REDACTED, secret_fields

JSONSchema = Mapping[str, Any]
URI_SCHEMES = frozenset({"http", "https", "data"})


class _Invalid(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def validate_input(openapi_schema: JSONSchema, payload: object) -> dict[str, Any]:
    """Return the input as it will be sent to the model, or raise ``InvalidInput``."""
    components = openapi_schema.get("components", {}).get("schemas", {})
    input_schema: JSONSchema = components.get("Input", {"type": "object", "properties": {}})
    if not isinstance(payload, dict):
        raise InvalidInput([FieldError("input", "must be a JSON object")])

    properties: Mapping[str, JSONSchema] = input_schema.get("properties", {})
    required = set(input_schema.get("required", []))
    secrets = secret_fields(openapi_schema)
    errors: list[FieldError] = []
    cleaned: dict[str, Any] = {}
    for name, prop in properties.items():
        if name not in payload:
            if name in required:
                errors.append(FieldError(name, "is required"))
            continue
        try:
            cleaned[name] = _check(
                _resolve(prop, components), payload[name], components, name in secrets
            )
        except _Invalid as invalid:
            errors.append(FieldError(name, invalid.message))
    if errors:
        raise InvalidInput(errors)
    return cleaned


def _resolve(schema: JSONSchema, components: Mapping[str, JSONSchema]) -> dict[str, Any]:
    """Merge ``allOf`` references (Cog puts ``choices`` in a referenced enum component)."""
    merged = {k: v for k, v in schema.items() if k != "allOf"}
    for part in schema.get("allOf", []):
        ref = part.get("$ref", "")
        target = components.get(ref.rsplit("/", 1)[-1], {}) if ref else part
        merged = {**_resolve(target, components), **merged}
    return merged


def _check(
    schema: JSONSchema, value: Any, components: Mapping[str, JSONSchema], secret: bool
) -> Any:
    if value is None and schema.get("nullable"):
        raise _Invalid("must not be null: leave it out to get its default")
    if "anyOf" in schema:
        for variant in schema["anyOf"]:
            try:
                return _check(_resolve(variant, components), value, components, secret)
            except _Invalid:
                continue
        raise _Invalid("matches none of the allowed types")
    value = _check_type(schema, value, components, secret)
    if "enum" in schema and value not in schema["enum"]:
        allowed = ", ".join(repr(v) for v in schema["enum"])
        raise _Invalid(f"{_shown(value, secret)} is not one of the allowed values: {allowed}")
    _check_bounds(schema, value, secret)
    return value


def _check_type(
    schema: JSONSchema, value: Any, components: Mapping[str, JSONSchema], secret: bool
) -> Any:
    kind = schema.get("type")
    if kind == "string":
        if not isinstance(value, str):
            raise _Invalid(f"must be a string, not {_json_type(value)}")
        if schema.get("format") == "uri" and urlsplit(value).scheme not in URI_SCHEMES:
            raise _Invalid("must be an http(s) URL or a data: URI")
        return value
    if kind == "integer":
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Invalid(f"must be an integer, not {_json_type(value)}")
        return value
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _Invalid(f"must be a number, not {_json_type(value)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise _Invalid("must be a finite number")
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise _Invalid(f"must be a boolean, not {_json_type(value)}")
        return value
    if kind == "array":
        if not isinstance(value, list):
            raise _Invalid(f"must be an array, not {_json_type(value)}")
        items = _resolve(schema.get("items", {}), components)
        checked = []
        for index, item in enumerate(value):
            try:
                checked.append(_check(items, item, components, secret))
            except _Invalid as invalid:
                raise _Invalid(f"item {index} {invalid.message}") from None
        return checked
    if kind == "object" and not isinstance(value, dict):
        raise _Invalid(f"must be an object, not {_json_type(value)}")
    return value


def _check_bounds(schema: JSONSchema, value: Any, secret: bool) -> None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        shown = REDACTED if secret else str(value)
        if "minimum" in schema and value < schema["minimum"]:
            raise _Invalid(f"{shown} is less than the minimum of {_number(schema['minimum'])}")
        if "maximum" in schema and value > schema["maximum"]:
            raise _Invalid(f"{shown} is greater than the maximum of {_number(schema['maximum'])}")
    if isinstance(value, str):
        if "minLength" in schema and len(value) < schema["minLength"]:
            raise _Invalid(f"must be at least {schema['minLength']} characters long")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            raise _Invalid(f"must be at most {schema['maxLength']} characters long")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            raise _Invalid(f"does not match the pattern {schema['pattern']!r}")


def _shown(value: Any, secret: bool) -> str:
    return REDACTED if secret else repr(value)


def _number(bound: float) -> str:
    return str(int(bound)) if float(bound).is_integer() else str(bound)


def _json_type(value: Any) -> str:
    names = {bool: "boolean", int: "integer", float: "number", str: "string", list: "array"}
    return "null" if value is None else names.get(type(value), "object")
