"""The form a version's OpenAPI schema asks for: one field per Cog input, in ``x-order``.

Every kind of input Cog can declare maps to one widget kind here. A property this module does
not recognise raises ``UnsupportedInput`` instead of rendering as nothing, so a new Cog type
fails the tests (which run every fixture predictor's schema through it) rather than a user.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

LONG_TEXT_NAMES = ("prompt", "text", "message", "system", "instruction", "context")
"""Inputs named like these get a textarea: they are where people write paragraphs."""
LONG_TEXT_LENGTH = 200


class Widget(StrEnum):
    TEXT = "text"
    TEXTAREA = "textarea"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    SELECT = "select"
    FILE = "file"
    SECRET = "secret"
    LIST = "list"
    """Scalars, one per line."""
    FILES = "files"
    JSON = "json"
    """Objects, lists of objects and unions: typed as JSON."""


class UnsupportedInput(ValueError):
    """A schema property with no widget: a Cog type this form does not know yet."""


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    widget: Widget
    required: bool
    description: str | None = None
    default: Any = None
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None
    min_length: int | None = None
    pattern: str | None = None
    choices: tuple[Any, ...] = ()
    item_type: str | None = None
    """For ``LIST``: the JSON type of each line once parsed."""
    accept: str | None = None
    deprecated: bool = False
    order: int = 0

    @property
    def slider(self) -> bool:
        """Numbers with both bounds get a slider next to the box, as on Replicate."""
        return self.widget in (Widget.INTEGER, Widget.NUMBER) and None not in (
            self.minimum,
            self.maximum,
        )

    @property
    def step(self) -> str:
        return "1" if self.widget is Widget.INTEGER else "any"

    @property
    def default_text(self) -> str:
        """The default as the widget shows it ("" when there is none)."""
        if self.default is None:
            return ""
        if self.widget is Widget.LIST:
            return "\n".join(str(item) for item in self.default)
        if self.widget is Widget.JSON:
            return json.dumps(self.default)
        return str(self.default)


@dataclass(frozen=True)
class Form:
    fields: tuple[FormField, ...] = field(default_factory=tuple)

    def by_name(self) -> dict[str, FormField]:
        return {f.name: f for f in self.fields}

    def masked(self, given: dict[str, Any]) -> dict[str, Any]:
        """``given`` with each secret replaced, for pages and code that may be shared."""
        secrets = {f.name for f in self.fields if f.widget is Widget.SECRET}
        return {k: SECRET_MASK if k in secrets and v is not None else v for k, v in given.items()}


SECRET_MASK = "**********"


def input_form(openapi_schema: dict[str, Any]) -> Form:
    """The form for a version's schema; an empty one when the model takes no input."""
    components = openapi_schema.get("components", {}).get("schemas", {})
    input_schema = components.get("Input", {})
    required = set(input_schema.get("required", []))
    properties: dict[str, Any] = input_schema.get("properties", {})
    fields = [_field(name, prop, name in required, components) for name, prop in properties.items()]
    return Form(tuple(sorted(fields, key=lambda f: f.order)))


def _field(
    name: str, prop: dict[str, Any], required: bool, components: dict[str, Any]
) -> FormField:
    common: dict[str, Any] = {
        "name": name,
        "label": prop.get("title") or name.replace("_", " ").title(),
        "required": required,
        "description": prop.get("description"),
        "default": prop.get("default"),
        "deprecated": bool(prop.get("deprecated")),
        "order": int(prop.get("x-order", 0)),
    }
    enum = _enum(prop, components)
    if enum is not None:
        return FormField(widget=Widget.SELECT, choices=tuple(enum), **common)
    if "anyOf" in prop or "oneOf" in prop:
        return FormField(widget=Widget.JSON, **common)
    kind = prop.get("type")
    if kind == "string":
        return _string_field(prop, common)
    if kind in ("integer", "number"):
        return FormField(
            widget=Widget.INTEGER if kind == "integer" else Widget.NUMBER,
            minimum=prop.get("minimum"),
            maximum=prop.get("maximum"),
            **common,
        )
    if kind == "boolean":
        return FormField(widget=Widget.BOOLEAN, **common)
    if kind == "array":
        return _array_field(name, prop, common)
    if kind == "object":
        return FormField(widget=Widget.JSON, **common)
    raise UnsupportedInput(f"input {name!r}: no form widget for schema {prop!r}")


def _enum(prop: dict[str, Any], components: dict[str, Any]) -> list[Any] | None:
    """Cog puts choices in a component, referenced as ``allOf: [{$ref: ...}]``."""
    if "enum" in prop:
        return list(prop["enum"])
    for part in prop.get("allOf", []):
        target = components.get(str(part.get("$ref", "")).rsplit("/", 1)[-1], {})
        if "enum" in target:
            return list(target["enum"])
    return None


def _string_field(prop: dict[str, Any], common: dict[str, Any]) -> FormField:
    if prop.get("format") == "password" or prop.get("x-cog-secret"):
        return FormField(widget=Widget.SECRET, **{**common, "default": None})
    if prop.get("format") == "uri":
        return FormField(widget=Widget.FILE, accept=prop.get("x-cog-accept"), **common)
    max_length = prop.get("maxLength")
    long_text = common["name"].lower().endswith(LONG_TEXT_NAMES) or (
        max_length is not None and max_length > LONG_TEXT_LENGTH
    )
    return FormField(
        widget=Widget.TEXTAREA if long_text else Widget.TEXT,
        max_length=max_length,
        min_length=prop.get("minLength"),
        pattern=prop.get("pattern"),
        **common,
    )


def _array_field(name: str, prop: dict[str, Any], common: dict[str, Any]) -> FormField:
    items = prop.get("items", {})
    item_kind = items.get("type")
    if item_kind == "string" and items.get("format") == "uri":
        return FormField(widget=Widget.FILES, accept=prop.get("x-cog-accept"), **common)
    if item_kind in ("string", "integer", "number", "boolean"):
        return FormField(widget=Widget.LIST, item_type=item_kind, **common)
    if item_kind in ("object", "array") or "anyOf" in items or not items:
        return FormField(widget=Widget.JSON, **common)
    raise UnsupportedInput(f"input {name!r}: no form widget for list items {items!r}")
