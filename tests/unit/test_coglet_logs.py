"""The model's own lines for one job, read back from coglet's JSON log records (coglet leaves
them out of a failed training's answer)."""

from __future__ import annotations

import json
from pathlib import Path

from mimeo.runtime.coglet_logs import LogTail, coglet_log_lines


def record(message: str, prediction_id: str, source: str | None = "Stdout") -> str:
    fields = {"message": message, "prediction_id": prediction_id}
    if source is not None:
        fields["source"] = source
    return json.dumps({"level": "INFO", "fields": fields, "target": "coglet::prediction"})


def test_only_the_jobs_stdout_and_stderr_lines_in_order() -> None:
    lines = [
        record("Starting prediction", "t1", source=None),
        record("first", "t1"),
        record("someone else's", "t2"),
        "[coglet] plain text mentioning t1",
        record("second", "t1", source="Stderr"),
        "{not json t1",
    ]

    assert coglet_log_lines(lines, "t1") == ["first", "second"]


def test_a_tail_reads_whole_records_written_after_it_began(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    log.write_text(record("before", "t1") + "\n")
    tail = LogTail(log, "t1")
    line = record("during", "t1")
    with log.open("a") as out:
        out.write(line + "\n" + line[:10])

    assert tail.new_lines() == ["during"]
    with log.open("a") as out:
        out.write(line[10:] + "\n")
    assert tail.new_lines() == ["during"]
    assert tail.new_lines() == []
