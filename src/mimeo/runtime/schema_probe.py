"""Describe a predictor's inputs and output, run inside the model's own environment.

Executed as a script by the model venv's Python (mimeo is not installed there), so it imports
only the standard library and cog. It asks Cog's own inspector, which gives Cog's exact typing
rules for the pinned SDK, and prints plain facts as JSON; ``runtime.openapi`` turns them into
the OpenAPI document. Importing the predictor module runs model code: that is why this is a
separate process and never part of the API server.

Two facts the inspector cannot give are read here as Cog's build reads them from the source:
whether a parameter names a default at all (``Input()`` and ``Input(default=None)`` look the same
at run time, not in the schema Cog writes) and a TypedDict output's fields.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import json
import os
import sys
import textwrap
import typing
from typing import Any

FILE_TYPES = ("PATH", "FILE")
SYNTAX_ERROR_EXIT = 3
"""The exit status that says: the model's code does not parse; stderr holds one line."""


def describe(reference: str) -> dict[str, Any]:
    from cog import _adt, _inspector  # type: ignore[import-not-found,unused-ignore]

    module_path, _, name = reference.partition(":")
    module_name = module_path.removesuffix(".py").replace("/", ".")
    info = _inspector.create_predictor(module_name, name)
    function = _predict_function(_inspector, sys.modules[module_name], name)
    parameters = inspect.signature(function).parameters
    declared = _declares_default(function)
    inputs = []
    for field in sorted(info.inputs.values(), key=lambda f: f.order):
        repetition = field.type.repetition
        optional = repetition in (_adt.Repetition.OPTIONAL, _adt.Repetition.OPTIONAL_REPEATED)
        default = field.default
        if isinstance(default, dataclasses.Field):
            default = default.default_factory()  # type: ignore[misc,operator,unused-ignore]
        accept = getattr(parameters[field.name].default, "accept", None)
        if accept is not None and field.type.primitive.name not in FILE_TYPES:
            raise ValueError(f"input {field.name}: accept is only valid on Path or File inputs")
        inputs.append(
            {
                "name": field.name,
                "schema": field.type.json_type(),
                "optional": optional,
                "secret": field.type.primitive is _adt.PrimitiveType.SECRET,
                "default": field.type.json_encode(default) if default is not None else None,
                "declares_default": declared.get(field.name, default is not None),
                "description": field.description,
                "ge": field.ge,
                "le": field.le,
                "min_length": field.min_length,
                "max_length": field.max_length,
                "regex": field.regex,
                "choices": field.choices,
                "deprecated": field.deprecated,
                "accept": accept,
            }
        )
    output = _typed_dict_output(_adt, function) or info.output.json_type()
    return {"inputs": inputs, "output": output}


def _predict_function(inspector: Any, module: Any, name: str) -> Any:
    target = getattr(module, name)
    if inspect.isclass(target):
        _, method = inspector._selected_predict_method(target, name)
        return inspector._unwrap(method)
    return inspector._unwrap(target)


def _declares_default(function: Any) -> dict[str, bool]:
    """Per parameter: ``= value`` or ``Input(default=...)`` in the source (Cog's build rule)."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return {}
    definition = tree.body[0]
    if not isinstance(definition, ast.FunctionDef | ast.AsyncFunctionDef):
        return {}
    arguments = definition.args
    positional = [*arguments.posonlyargs, *arguments.args]
    undefaulted: list[ast.expr | None] = [None] * (len(positional) - len(arguments.defaults))
    pairs: list[tuple[ast.arg, ast.expr | None]] = [
        *zip(positional, [*undefaulted, *arguments.defaults], strict=True),
        *zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True),
    ]
    return {argument.arg: _names_a_default(value) for argument, value in pairs}


def _names_a_default(value: ast.expr | None) -> bool:
    if value is None:
        return False
    if isinstance(value, ast.Call) and _called_name(value.func) == "Input":
        return bool(value.args) or any(k.arg == "default" for k in value.keywords)
    return True


def _called_name(function: ast.expr) -> str:
    if isinstance(function, ast.Attribute):
        return function.attr
    return function.id if isinstance(function, ast.Name) else ""


def _typed_dict_output(adt: Any, function: Any) -> dict[str, Any] | None:
    """A TypedDict output as Cog's build describes it: an object with its fields."""
    try:
        returned = typing.get_type_hints(function).get("return")
    except (NameError, TypeError):
        return None  # annotations only the inspector's fallback reads: not a TypedDict then
    if returned is None or not typing.is_typeddict(returned):
        return None
    properties: dict[str, Any] = {}
    for field_name, field_type in typing.get_type_hints(returned).items():
        described = adt.FieldType.from_type(field_type)
        schema = described.json_type()
        if described.repetition in (adt.Repetition.OPTIONAL, adt.Repetition.OPTIONAL_REPEATED):
            schema["nullable"] = True
        schema["title"] = field_name.replace("_", " ").title()
        properties[field_name] = schema
    output: dict[str, Any] = {"title": "Output", "type": "object", "properties": properties}
    required = [key for key in properties if key in returned.__required_keys__]
    if required:
        output["required"] = required
    return output


if __name__ == "__main__":
    sys.path.insert(0, ".")
    try:
        facts = describe(sys.argv[1])
    except SyntaxError as error:
        where = os.path.relpath(error.filename) if error.filename else sys.argv[1]
        print(f"{where}, line {error.lineno}: {error.msg}", file=sys.stderr)
        sys.exit(SYNTAX_ERROR_EXIT)
    print(json.dumps(facts))
