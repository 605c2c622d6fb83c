"""CPU per prediction inside one mimeo process: ``Prefer: wait`` creates through the app (in
process, ``ASGITransport``) while a stand-in worker claims over the embedded worker's channel
with a warm slot and reports each prediction finished at once. No model runs, so what is counted
is mimeo's own work: HTTP handling, the queue's transactions and the wake-ups between them.

Prints CPU ms (``time.process_time``) and wall ms per prediction, and the database transactions
and "work available" wake-ups per prediction. Run from the checkout: ``python
bench/in_process_cpu.py -n 2000``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import structlog
from sqlalchemy import event

from mimeo.api.app import create_app
from mimeo.api.context import AppContext
from mimeo.cli.in_process_worker import InProcessWorkerChannel
from mimeo.cli.platform import platform
from mimeo.core.protocol import Finished, Offer, Outcome, Progress, WarmSlot
from mimeo.settings import Settings

TOKEN = "r8_bench-token"
VERSION_ID = "e" * 64
SCHEMA: dict[str, Any] = {
    "openapi": "3.0.2",
    "components": {
        "schemas": {
            "Input": {"type": "object", "properties": {"text": {"type": "string"}}},
            "Output": {"type": "string"},
        }
    },
}


async def stand_in_worker(context: AppContext, hardware: str, logs: bool) -> None:
    """Claims as the director does with one idle warm instance, and ends each prediction; with
    ``logs``, reports its start and a log line first, as a model that prints does."""
    channel = InProcessWorkerChannel(context, "wkr_bench")
    offer = Offer(warm=[WarmSlot(version=VERSION_ID, hardware=hardware)], startable_hardware=[])
    outcome = Outcome(status="succeeded", output="hi", metrics={"predict_time": 0.001})
    while True:
        job = await channel.claim(20.0, offer)
        if job is not None:
            if logs:
                started = Progress(worker_id=channel.worker_id, started=True, logs="loading\n")
                await channel.report(job.prediction_id, started)
            report = Finished(worker_id=channel.worker_id, outcome=outcome)
            await channel.report(job.prediction_id, report)


async def measure(n: int, logs: bool) -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        # No pacing: the token's rate limit would hold each create to its pace.
        settings = Settings(data_dir=Path(data_dir), rate_limit_predictions_per_second=0)
        async with platform(settings, "http://mimeo.bench") as context:
            account = await context.store.accounts.ensure("bench", TOKEN)
            model = await context.store.catalog.create_model(account.id, "bench", "echo")
            await context.store.catalog.add_version(
                model,
                VERSION_ID,
                cog_version="0.16.0",
                openapi_schema=SCHEMA,
                build={},
                archive_key="archives/echo.tar.gz",
            )
            transactions = [0]
            event.listen(
                context.store.engine.sync_engine,
                "begin",
                lambda _conn: transactions.__setitem__(0, transactions[0] + 1),
            )
            worker = asyncio.create_task(stand_in_worker(context, model.hardware, logs))
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(create_app(context)),
                base_url="http://mimeo.bench",
                headers={"Authorization": f"Bearer {TOKEN}", "Prefer": "wait"},
            ) as client:

                async def predict() -> None:
                    answer = await client.post(
                        "/v1/models/bench/echo/predictions", json={"input": {"text": "hi"}}
                    )
                    assert answer.json()["status"] == "succeeded", answer.text

                for _ in range(max(20, n // 10)):
                    await predict()
                begun, cpu, wall = transactions[0], time.process_time(), time.perf_counter()
                wakeups = context.bus.work_generation
                for _ in range(n):
                    await predict()
                cpu = time.process_time() - cpu
                wall = time.perf_counter() - wall
                wakeups = context.bus.work_generation - wakeups
                begun = transactions[0] - begun
            worker.cancel()
    shape = " (a start report first)" if logs else ""
    print(
        f"{n} sequential predictions in process{shape}: CPU {cpu / n * 1e3:.2f} ms, "
        f"wall {wall / n * 1e3:.2f} ms, {begun / n:.2f} transactions, "
        f"{wakeups / n:.2f} work wake-ups per prediction"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=1000, help="measured predictions")
    parser.add_argument(
        "--logs", action="store_true", help="the worker reports each start with a log line"
    )
    args = parser.parse_args()
    with open(os.devnull, "w") as devnull:
        # Each prediction's log lines are rendered as ``mimeo serve`` renders them, unseen.
        structlog.configure(logger_factory=structlog.PrintLoggerFactory(devnull))
        asyncio.run(measure(args.n, args.logs))


if __name__ == "__main__":
    main()
