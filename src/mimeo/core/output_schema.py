"""Facts about a version's output, read from its Cog OpenAPI schema."""

from __future__ import annotations

from typing import Any


def output_schema(schema: dict[str, Any]) -> dict[str, Any]:
    output: dict[str, Any] = schema.get("components", {}).get("schemas", {}).get("Output", {})
    return output


def training_view(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema as a training's output is read: ``TrainingOutput`` as its ``Output`` (its
    ``weights`` Path is a file to store)."""
    schemas = schema.get("components", {}).get("schemas", {})
    output = schemas.get("TrainingOutput", {"type": "string", "format": "uri"})
    return {**schema, "components": {"schemas": {**schemas, "Output": output}}}


def is_iterator_output(schema: dict[str, Any]) -> bool:
    """Cog marks ``Iterator[T]`` and ``ConcatenateIterator`` outputs; their chunks stream."""
    return bool(output_schema(schema).get("x-cog-array-type") == "iterator")


def is_concatenated_output(schema: dict[str, Any]) -> bool:
    """``ConcatenateIterator[str]``: tokens meant to be read joined, as ``cog predict`` and the
    clients show them."""
    return is_iterator_output(schema) and (
        output_schema(schema).get("x-cog-array-display") == "concatenate"
    )


def as_read(schema: dict[str, Any], output: Any) -> Any:
    """The output as a person reads it: a ``ConcatenateIterator``'s tokens joined."""
    if is_concatenated_output(schema) and isinstance(output, list):
        return "".join(str(chunk) for chunk in output)
    return output


def has_file_output(schema: dict[str, Any]) -> bool:
    """Whether any part of the output is a ``Path`` (``format: uri``): only then is a
    ``data:`` string in the output a file to store rather than text the model returned."""
    return _mentions_uri(output_schema(schema))


def _mentions_uri(node: Any) -> bool:
    if isinstance(node, dict):
        return node.get("format") == "uri" or any(_mentions_uri(v) for v in node.values())
    if isinstance(node, list):
        return any(_mentions_uri(item) for item in node)
    return False
