"""``-i key=value`` arguments, typed by the model's schema the way ``cog predict`` does it."""

from __future__ import annotations

import base64
import json
import mimetypes
from pathlib import Path
from typing import Any

import typer


def file_to_data_uri(path: Path) -> str:
    if not path.is_file():
        raise typer.BadParameter(f"no such file: {path}")
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{content_type};base64,{base64.b64encode(path.read_bytes()).decode()}"


def parse_inputs(pairs: list[str], schema: dict[str, Any] | None) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    if schema is not None:
        input_schema = schema.get("components", {}).get("schemas", {}).get("Input", {})
        properties = input_schema.get("properties", {})
    values: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep:
            raise typer.BadParameter(f"expected key=value, got {pair!r}")
        values[key] = _coerce(raw, properties.get(key, {}))
    return values


def _coerce(raw: str, prop: dict[str, Any]) -> Any:
    if raw.startswith("@"):
        return file_to_data_uri(Path(raw[1:]))
    kind = prop.get("type")
    if kind == "string" or (kind is None and "allOf" in prop and not _looks_json(raw)):
        return raw
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw


def _looks_json(raw: str) -> bool:
    try:
        json.loads(raw)
    except json.JSONDecodeError:
        return False
    return True
