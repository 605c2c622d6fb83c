"""What a model prints during one job, read from its Cog server's own log.

coglet logs every line a model prints as a JSON record naming the job (``fields.prediction_id``,
``fields.source`` ``Stdout``/``Stderr``). For a training that record is the only live view:
coglet refuses to stream ``/trainings`` and leaves the logs out of a failed training's answer.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

MODEL_STREAMS = ("Stdout", "Stderr")
"""How coglet's log records name what the model itself printed."""


def coglet_log_lines(lines: Iterable[str], prediction_id: str) -> list[str]:
    """The model's output lines for ``prediction_id`` among coglet's log records."""
    found = []
    for line in lines:
        if prediction_id not in line or not line.startswith("{"):
            continue
        try:
            fields = json.loads(line).get("fields", {})
        except ValueError:
            continue
        if fields.get("prediction_id") == prediction_id and fields.get("source") in MODEL_STREAMS:
            found.append(str(fields.get("message", "")))
    return found


class LogTail:
    """The records a server's log gains from now on, a whole line at a time."""

    def __init__(self, path: Path, prediction_id: str) -> None:
        self.path = path
        self.prediction_id = prediction_id
        self._offset = path.stat().st_size if path.exists() else 0

    def new_lines(self) -> list[str]:
        try:
            with self.path.open("rb") as log:
                log.seek(self._offset)
                chunk = log.read()
        except OSError:
            return []
        complete = chunk[: chunk.rfind(b"\n") + 1]
        self._offset += len(complete)
        text = complete.decode(errors="replace").splitlines()
        return coglet_log_lines(text, self.prediction_id)
