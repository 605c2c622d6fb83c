"""What a running prediction has produced since the last report, ready to send as one batch.

The prediction's ``cog.Secret`` values are scrubbed from the logs and errors it relays (a
library that prints its key, a model server that quotes the input it refused); the output is
the model's answer and goes as it is."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from mimeo.core.protocol import Finished, HandBack, Outcome, OutputSoFar, Progress, Report
from mimeo.core.secret_inputs import scrub
from mimeo.runtime.cog_events import CogEvent, Completed, Log, Metric, OutputChunk, Started


@dataclass
class Relay:
    worker_id: str
    iterator_output: bool
    training: bool = False
    started: bool = False
    logs: list[str] = field(default_factory=list)
    chunks: list[Any] = field(default_factory=list)
    output_dirty: bool = False
    outcome: Outcome | None = None
    handing_back: bool = False
    metrics: dict[str, float] = field(default_factory=dict)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    finished: asyncio.Event = field(default_factory=asyncio.Event)
    flush_now: asyncio.Event = field(default_factory=asyncio.Event)
    """Set for what should not wait out the report interval: the outcome and the first output
    chunk (time to first token is what a streaming user feels)."""
    secrets: list[str] = field(default_factory=list)
    """The prediction's secret values (``core.secret_inputs.secret_texts``)."""
    _started_sent: bool = False
    _chunks_sent: int = 0

    def add(self, event: CogEvent) -> None:
        self.changed.set()
        if isinstance(event, Started):
            self.started = True
        elif isinstance(event, Log):
            self.logs.append(scrub(event.text, self.secrets))
        elif isinstance(event, Metric) and isinstance(event.value, int | float):
            self.metrics[event.name] = float(event.value)
        elif isinstance(event, OutputChunk) and self.iterator_output:
            self.chunks.append(event.chunk)
            self.output_dirty = True
            if self._chunks_sent == 0:
                self.flush_now.set()
        elif isinstance(event, Completed):
            self.started = True
            output = event.output
            if self.iterator_output and output is None:
                output = list(self.chunks)
            self.finished.set()
            self.flush_now.set()
            self.outcome = Outcome(
                status=_terminal(event.status),
                output=output,
                error=None if event.error is None else scrub(event.error, self.secrets),
                metrics={**self.metrics, **event.metrics},
            )

    def fail(self, error: str, logs: str = "") -> None:
        self.changed.set()
        if logs:
            logs = scrub(logs, self.secrets)
            self.logs.append(logs if logs.endswith("\n") else logs + "\n")
        self.finished.set()
        self.flush_now.set()
        self.outcome = Outcome(
            status="failed", error=scrub(error, self.secrets), metrics=self.metrics
        )

    def cancel(self, note: str) -> None:
        self.changed.set()
        self.logs.append(note + "\n")
        self.finished.set()
        self.flush_now.set()
        self.outcome = Outcome(status="canceled", metrics=self.metrics)

    def note(self, line: str) -> None:
        """A line of mimeo's own in the prediction's logs (cold starts, timeouts)."""
        self.changed.set()
        self.logs.append(f"mimeo: {line}\n")

    def hand_back(self) -> None:
        self.changed.set()
        self.handing_back = True
        self.finished.set()
        self.flush_now.set()

    @property
    def done(self) -> bool:
        return self.outcome is not None or self.handing_back

    def take(self) -> Batch:
        """The batch to send now. What it holds stays here until ``sent``: a report that fails
        to go out is sent again with whatever came after it."""
        report: Report
        logs = "".join(self.logs)
        if self.handing_back:
            report = HandBack(worker_id=self.worker_id)
        elif self.outcome is not None:
            report = Finished(
                worker_id=self.worker_id, logs=logs, outcome=self.outcome, training=self.training
            )
        else:
            report = Progress(
                worker_id=self.worker_id,
                started=self.start_pending,
                logs=logs,
                output=OutputSoFar(value=list(self.chunks)) if self.output_dirty else None,
            )
        self.changed.clear()
        if not self.done:
            self.flush_now.clear()
        return Batch(report, len(self.logs), len(self.chunks), self.started)

    def sent(self, batch: Batch) -> None:
        del self.logs[: batch.log_entries]
        self._started_sent = self._started_sent or batch.started
        self._chunks_sent = batch.chunks
        if len(self.chunks) == batch.chunks:
            self.output_dirty = False

    @property
    def start_pending(self) -> bool:
        return self.started and not self._started_sent


@dataclass(frozen=True)
class Batch:
    report: Report
    log_entries: int
    chunks: int
    started: bool


def _terminal(status: str) -> Any:
    return status if status in ("succeeded", "failed", "canceled") else "failed"
