"""A submitted form back to a prediction's ``input``.

Only the shape is restored here (numbers from text, lines to lists, JSON parsed); whether the
values are valid is decided by the same validation every API request goes through, so a bad
value comes back as the same 422 with the field named. A value that does not parse is passed
on as the text it is, for that validation to refuse.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from mimeo.web.forms import Form, FormField, Widget


def form_input(form: Form, values: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """``values`` maps each field name to the texts submitted under it. File fields are left
    out: the caller stores the uploads and adds their URLs."""
    given: dict[str, Any] = {}
    for spec in form.fields:
        if spec.widget in (Widget.FILE, Widget.FILES):
            continue
        texts = list(values.get(spec.name, ()))
        if not texts:
            continue
        value = _value(spec, texts)
        if value is not None:
            given[spec.name] = value
    return given


def _value(spec: FormField, texts: list[str]) -> Any:
    """None means "left empty": the model's default applies."""
    text = texts[-1]  # a checkbox follows its hidden "false"
    if spec.widget is Widget.BOOLEAN:
        return text == "true"
    if spec.widget is Widget.LIST:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        return [_scalar(spec.item_type, line) for line in lines] if lines else None
    if text == "" and spec.widget is not Widget.TEXTAREA and spec.widget is not Widget.TEXT:
        return None
    if text == "" and not spec.required:
        return None
    if spec.widget is Widget.SELECT:
        return next((choice for choice in spec.choices if str(choice) == text), text)
    if spec.widget is Widget.JSON:
        try:
            return json.loads(text)
        except ValueError:
            return text
    if spec.widget in (Widget.INTEGER, Widget.NUMBER):
        return _scalar(spec.widget.value, text)
    return text


def _scalar(kind: str | None, text: str) -> Any:
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            number = float(text)
            return int(number) if number.is_integer() and "." not in text else number
    except ValueError:
        return text
    if kind == "boolean":
        return text.lower() in ("true", "1", "yes")
    return text
