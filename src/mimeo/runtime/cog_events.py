"""What a Cog server says while it runs one prediction over SSE, as types.

coglet streams deltas: ``start``, ``log``, ``output`` (one chunk), ``metric`` and ``completed``
with the final object. ``parse_event`` is the single place that reads coglet's wire format.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

_REPEATED_PREFIX = re.compile(r"^(Prediction failed: )+")


@dataclass(frozen=True)
class Started:
    pass


@dataclass(frozen=True)
class Log:
    text: str
    source: str = "stdout"


@dataclass(frozen=True)
class OutputChunk:
    chunk: Any
    index: int


@dataclass(frozen=True)
class Metric:
    name: str
    value: Any


@dataclass(frozen=True)
class Completed:
    status: str
    output: Any = None
    error: str | None = None
    logs: str = ""
    metrics: dict[str, Any] = field(default_factory=dict)


CogEvent = Started | Log | OutputChunk | Metric | Completed


def clean_error(error: str | None) -> str | None:
    """coglet prefixes errors with "Prediction failed: " twice; the client adds its own."""
    return None if error is None else _REPEATED_PREFIX.sub("", error)


def parse_event(name: str, data: str) -> CogEvent | None:
    payload: Any = json.loads(data) if data else {}
    if name == "start":
        return Started()
    if name == "log":
        return Log(payload.get("data", ""), payload.get("source", "stdout"))
    if name == "output":
        return OutputChunk(payload.get("chunk"), int(payload.get("index", 0)))
    if name == "metric":
        return Metric(str(payload.get("name", "")), payload.get("value"))
    if name == "completed":
        return Completed(
            status=payload.get("status", "failed"),
            output=payload.get("output"),
            error=clean_error(payload.get("error")),
            logs=payload.get("logs") or "",
            metrics=payload.get("metrics") or {},
        )
    return None
