"""A pushed version's OpenAPI schema, checked before it is kept.

The schema comes from the pusher's machine, and everything mimeo does with a version reads it:
input validation, file fields, streaming, the model listings every account sees. So it must have
the shape Cog's generator gives (``components.schemas.Input`` an object schema, ``Output`` a
schema) in every part those readers touch: a list where an object belongs, a pattern that does
not compile or a ``$ref`` that loops would otherwise fail later, for everyone, as a 500.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from mimeo.core.errors import FieldError, InvalidInput

FIELD = "openapi_schema"
REF_PREFIX = "#/components/schemas/"
_NUMBER_KEYS = ("minimum", "maximum")
_LENGTH_KEYS = ("minLength", "maxLength")


class _Bad(Exception):
    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")


def check_version_schema(schema: object) -> dict[str, Any]:
    """``schema`` when Cog's readers can use it, else ``InvalidInput`` (422) saying where."""
    try:
        return _checked(schema)
    except _Bad as bad:
        raise InvalidInput([FieldError(FIELD, str(bad))]) from None


def _checked(schema: object) -> dict[str, Any]:
    top = _object(schema, "the schema")
    components = _object(top.get("components"), "components")
    schemas = _object(components.get("schemas"), "components.schemas")
    input_schema = _object(schemas.get("Input"), "components.schemas.Input")
    properties = _object(input_schema.get("properties", {}), "Input.properties")
    required = input_schema.get("required", [])
    if not (isinstance(required, list) and all(isinstance(r, str) for r in required)):
        raise _Bad("Input.required", "must be a list of names")
    for name, prop in properties.items():
        _check_node(prop, f"Input.properties.{name}", schemas, depth=0)
    _object(schemas.get("Output"), "components.schemas.Output")
    return top


def _object(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Bad(where, "must be a JSON object")
    return value


def _check_node(node: object, where: str, schemas: Mapping[str, Any], depth: int) -> None:
    if depth > 16:
        raise _Bad(where, "is nested too deeply")
    checked = _object(node, where)
    ref = checked.get("$ref")
    if ref is not None:
        _check_ref(ref, where, schemas, depth)
    for key in ("allOf", "anyOf"):
        if key in checked:
            parts = checked[key]
            if not isinstance(parts, list):
                raise _Bad(f"{where}.{key}", "must be a list")
            for index, part in enumerate(parts):
                _check_node(part, f"{where}.{key}.{index}", schemas, depth + 1)
    if "items" in checked:
        _check_node(checked["items"], f"{where}.items", schemas, depth + 1)
    if "enum" in checked and not isinstance(checked["enum"], list):
        raise _Bad(f"{where}.enum", "must be a list")
    for key in _NUMBER_KEYS:
        value = checked.get(key)
        if key in checked and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise _Bad(f"{where}.{key}", "must be a number")
    for key in _LENGTH_KEYS:
        value = checked.get(key)
        if key in checked and (isinstance(value, bool) or not isinstance(value, int)):
            raise _Bad(f"{where}.{key}", "must be an integer")
    if "pattern" in checked:
        _check_pattern(checked["pattern"], f"{where}.pattern")


def _check_ref(ref: object, where: str, schemas: Mapping[str, Any], depth: int) -> None:
    """Cog's references point at flat components (the enums of ``choices``): a reference to
    one that references again is refused, so resolving can never loop."""
    if not (isinstance(ref, str) and ref.startswith(REF_PREFIX)):
        raise _Bad(f"{where}.$ref", f"must start with {REF_PREFIX}")
    target = schemas.get(ref.removeprefix(REF_PREFIX))
    if not isinstance(target, dict):
        raise _Bad(f"{where}.$ref", f"{ref} is not a component of the schema")
    if any(key in target for key in ("$ref", "allOf", "anyOf")):
        raise _Bad(f"{where}.$ref", f"{ref} must not refer to other components")
    _check_node(target, ref, schemas, depth + 1)


def _check_pattern(pattern: object, where: str) -> None:
    if not isinstance(pattern, str):
        raise _Bad(where, "must be a string")
    try:
        re.compile(pattern)
    except re.error as error:
        raise _Bad(where, f"is not a valid regular expression: {error}") from None
