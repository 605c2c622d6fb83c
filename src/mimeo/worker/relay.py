"""What a running prediction has produced since the last report, ready to send as one batch."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from mimeo.core.protocol import Outcome, Report
from mimeo.runtime.cog_events import CogEvent, Completed, Log, Metric, OutputChunk, Started


@dataclass
class Relay:
    worker_id: str
    iterator_output: bool
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
    _started_sent: bool = False
    _chunks_sent: int = 0

    def add(self, event: CogEvent) -> None:
        self.changed.set()
        if isinstance(event, Started):
            self.started = True
        elif isinstance(event, Log):
            self.logs.append(event.text)
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
                error=event.error,
                metrics={**self.metrics, **event.metrics},
            )

    def fail(self, error: str, logs: str = "") -> None:
        self.changed.set()
        if logs:
            self.logs.append(logs if logs.endswith("\n") else logs + "\n")
        self.finished.set()
        self.flush_now.set()
        self.outcome = Outcome(status="failed", error=error, metrics=self.metrics)

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

    def take(self) -> Report:
        """The batch to send now; what it holds is not sent again."""
        report = Report(
            worker_id=self.worker_id,
            started=self.started and not self._started_sent,
            logs="".join(self.logs),
            output=list(self.chunks) if self.output_dirty else None,
            has_output=self.output_dirty,
            outcome=None if self.handing_back else self.outcome,
            hand_back=self.handing_back,
        )
        self._started_sent = self._started_sent or report.started
        self._chunks_sent = len(self.chunks)
        self.changed.clear()
        if not self.done:
            self.flush_now.clear()
        self.logs.clear()
        self.output_dirty = False
        return report

    @property
    def start_pending(self) -> bool:
        return self.started and not self._started_sent

    @property
    def dirty(self) -> bool:
        return (self.started and not self._started_sent) or bool(self.logs) or self.output_dirty


def _terminal(status: str) -> Any:
    return status if status in ("succeeded", "failed", "canceled") else "failed"
