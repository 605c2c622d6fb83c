"""Describe a predictor's inputs and output, run inside the model's own environment.

Executed as a script by the model venv's Python (mimeo is not installed there), so it imports
only the standard library and cog. It asks Cog's own inspector, which gives Cog's exact typing
rules for the pinned SDK, and prints plain facts as JSON; ``runtime.openapi`` turns them into
the OpenAPI document. Importing the predictor module runs model code: that is why this is a
separate process and never part of the API server.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from typing import Any

SYNTAX_ERROR_EXIT = 3
"""The exit status that says: the model's code does not parse; stderr holds one line."""


def describe(reference: str) -> dict[str, Any]:
    from cog import _adt, _inspector  # type: ignore[import-not-found,unused-ignore]

    module_path, _, name = reference.partition(":")
    module_name = module_path.removesuffix(".py").replace("/", ".")
    info = _inspector.create_predictor(module_name, name)
    inputs = []
    for field in sorted(info.inputs.values(), key=lambda f: f.order):
        repetition = field.type.repetition
        optional = repetition in (_adt.Repetition.OPTIONAL, _adt.Repetition.OPTIONAL_REPEATED)
        default = field.default
        if isinstance(default, dataclasses.Field):
            default = default.default_factory()  # type: ignore[misc,operator,unused-ignore]
        inputs.append(
            {
                "name": field.name,
                "schema": field.type.json_type(),
                "optional": optional,
                "secret": field.type.primitive is _adt.PrimitiveType.SECRET,
                "default": field.type.json_encode(default) if default is not None else None,
                "description": field.description,
                "ge": field.ge,
                "le": field.le,
                "min_length": field.min_length,
                "max_length": field.max_length,
                "regex": field.regex,
                "choices": field.choices,
                "deprecated": field.deprecated,
            }
        )
    return {"inputs": inputs, "output": info.output.json_type()}


if __name__ == "__main__":
    sys.path.insert(0, ".")
    try:
        facts = describe(sys.argv[1])
    except SyntaxError as error:
        where = os.path.relpath(error.filename) if error.filename else sys.argv[1]
        print(f"{where}, line {error.lineno}: {error.msg}", file=sys.stderr)
        sys.exit(SYNTAX_ERROR_EXIT)
    print(json.dumps(facts))
