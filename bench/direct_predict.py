"""Run a Cog predictor in this process, the way a user would call the library directly: the
baseline of ``models.py``. Run with the model's own venv python, from its directory:

    python direct_predict.py '{"predict": "predict.py:Predictor", "inputs": {...}, "runs": 5}'

Prints one JSON line: setup seconds, and per run the seconds to the first output item (for
iterators), the item count and the total seconds.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import sys
import time
from pathlib import Path
from typing import Any


def load(reference: str) -> Any:
    file, _, name = reference.partition(":")
    spec = importlib.util.spec_from_file_location("predict", Path(file).resolve())
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["predict"] = module
    spec.loader.exec_module(module)
    return getattr(module, name)()


def entry_point(predictor: Any) -> Any:
    """``run`` of a ``BaseRunner``, else ``predict``: whichever the model's own class defines."""
    own = [vars(cls) for cls in type(predictor).__mro__ if cls.__module__ == "predict"]
    name = "run" if any("run" in members for members in own) else "predict"
    return getattr(predictor, name)


def with_defaults(method: Any, given: dict[str, Any]) -> dict[str, Any]:
    """Cog fills omitted inputs from ``Input(default=...)``; a direct call must do it here."""
    from cog import Path as CogPath

    arguments: dict[str, Any] = {}
    for name, parameter in inspect.signature(method).parameters.items():
        if name in given:
            value = given[name]
            is_path = "Path" in str(parameter.annotation)
            arguments[name] = CogPath(value) if is_path and isinstance(value, str) else value
        elif parameter.default is not inspect.Parameter.empty:
            default = parameter.default
            arguments[name] = getattr(default, "default", default)
    return arguments


def main() -> None:
    request = json.loads(sys.argv[1])
    began = time.perf_counter()
    predictor = load(request["predict"])
    predictor.setup()
    setup = time.perf_counter() - began
    method = entry_point(predictor)
    arguments = with_defaults(method, request["inputs"])
    runs = []
    for _ in range(request.get("runs", 3)):
        started = time.perf_counter()
        result = method(**arguments)
        first, count = None, 1
        if inspect.isgenerator(result):
            count = 0
            for _item in result:
                count += 1
                first = first if first is not None else time.perf_counter() - started
        runs.append({"first": first, "items": count, "total": time.perf_counter() - started})
    print(json.dumps({"setup": setup, "runs": runs}))


if __name__ == "__main__":
    main()
