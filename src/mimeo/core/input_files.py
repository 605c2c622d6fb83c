"""The file inputs of a prediction: the ``format: uri`` fields of a version's ``Input``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

JSONSchema = Mapping[str, Any]


def _is_uri(schema: JSONSchema) -> bool:
    return schema.get("type") == "string" and schema.get("format") == "uri"


def file_fields(openapi_schema: JSONSchema) -> set[str]:
    """Fields that take a file (``Path``/``File``) or a list of them."""
    components = openapi_schema.get("components", {}).get("schemas", {})
    properties: Mapping[str, JSONSchema] = components.get("Input", {}).get("properties", {})
    fields = set()
    for name, prop in properties.items():
        if _is_uri(prop) or (prop.get("type") == "array" and _is_uri(prop.get("items", {}))):
            fields.add(name)
    return fields


def file_urls(openapi_schema: JSONSchema, given: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(field, url)`` for every file the input names."""
    found: list[tuple[str, str]] = []
    for name in sorted(file_fields(openapi_schema) & given.keys()):
        value = given[name]
        for url in value if isinstance(value, list) else [value]:
            if isinstance(url, str):
                found.append((name, url))
    return found


def replace_urls(
    openapi_schema: JSONSchema, given: Mapping[str, Any], replacements: Mapping[str, str]
) -> dict[str, Any]:
    """The input with file URLs swapped as ``replacements`` says; other fields untouched."""
    fields = file_fields(openapi_schema)

    def swap(value: Any) -> Any:
        if isinstance(value, list):
            return [swap(item) for item in value]
        return replacements.get(value, value) if isinstance(value, str) else value

    return {name: swap(value) if name in fields else value for name, value in given.items()}
