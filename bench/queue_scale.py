"""How the queue scales with its depth: claim latency and claim-to-finish throughput with 10,
1 000 and 100 000 predictions waiting, and ``GET /v1/predictions`` latency with 1 000 000
predictions in the table, on SQLite and (with ``MIMEO_TEST_DATABASE_URL``) PostgreSQL.

The queue is driven as a worker drives it (claim, then finish), in process, so what is measured
is the database work, not HTTP or a model. The list endpoint goes through the real app over an
in-process transport. Rows are bulk-inserted as the queue would have written them. Goal: flat
(the numbers at 100 000 queued within a small factor of those at 10).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from harness import ROOT, Latency
from sqlalchemy import insert, text

from mimeo.api.app import create_app
from mimeo.cli.platform import platform
from mimeo.core.hardware import CPU
from mimeo.core.ids import new_prediction_id
from mimeo.core.status import PredictionStatus
from mimeo.settings import Settings
from mimeo.store.store import Store
from mimeo.store.tables import predictions

sys.path.insert(0, str(ROOT))  # the test suite's own databases on the PostgreSQL server
from tests.databases import create_database, drop_database

TOKEN = "r8_bench-token"
MODELS = 20
"""Queued predictions spread over this many model versions, as a shared queue would hold."""
CHUNK = 10_000
CLAIMS = 200


async def fill(store: Store, account_id: int, count: int, status: PredictionStatus) -> None:
    """``count`` predictions of ``bench/m{i}``, created one millisecond apart."""
    began = datetime.now(UTC) - timedelta(milliseconds=count)
    for start in range(0, count, CHUNK):
        rows = [
            {
                "id": new_prediction_id(),
                "account_id": account_id,
                "model": f"bench/m{n % MODELS}",
                "version": f"{n % MODELS:064d}",
                "input": {"text": "hi"},
                "status": status,
                "source": "api",
                "logs": "",
                "metrics": {},
                "created_at": began + timedelta(milliseconds=n),
                "hardware": CPU,
            }
            for n in range(start, min(count, start + CHUNK))
        ]
        async with store.engine.begin() as conn:
            await conn.execute(insert(predictions), rows)
    if store.engine.dialect.name == "postgresql":
        # What autovacuum does to a table that just grew: the planner then knows the queue.
        async with store.engine.begin() as conn:
            await conn.execute(text("ANALYZE predictions"))


async def claim_and_finish(url: str, depth: int, tmp: Path) -> tuple[Latency, float]:
    """Claim latency and predictions finished per second with ``depth`` waiting."""
    settings = Settings(database_url=url, data_dir=tmp)
    async with platform(settings, "http://bench.test") as context:
        account = await context.store.accounts.ensure("bench", TOKEN)
        await fill(context.store, account.id, depth + CLAIMS, PredictionStatus.STARTING)
        samples = []
        began = time.perf_counter()
        for _ in range(CLAIMS):
            started = time.perf_counter()
            claim = await context.queue.claim("wkr_bench")
            samples.append(time.perf_counter() - started)
            assert claim is not None
            await context.queue.finish(
                claim.prediction.id, "wkr_bench", PredictionStatus.SUCCEEDED, output="hi"
            )
        throughput = CLAIMS / (time.perf_counter() - began)
    return Latency(samples), throughput


async def list_latency(url: str, rows: int, tmp: Path, requests: int = 50) -> Latency:
    settings = Settings(database_url=url, data_dir=tmp)
    async with platform(settings, "http://bench.test") as context:
        account = await context.store.accounts.ensure("bench", TOKEN)
        await fill(context.store, account.id, rows, PredictionStatus.SUCCEEDED)
        transport = httpx.ASGITransport(create_app(context))
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://bench.test",
            headers={"Authorization": f"Bearer {TOKEN}"},
        ) as client:
            samples = []
            cursor_url = "/v1/predictions"
            for n in range(requests):
                started = time.perf_counter()
                page = (await client.get(cursor_url)).json()
                samples.append(time.perf_counter() - started)
                # Every fifth request follows ``next``: deep pages must stay as fast.
                cursor_url = page["next"] if n % 5 == 4 and page["next"] else "/v1/predictions"
    return Latency(samples)


class Databases:
    """A fresh SQLite file or PostgreSQL database per measurement."""

    def __init__(self, postgres: str | None) -> None:
        self.postgres = postgres

    def kinds(self) -> list[str]:
        return ["sqlite", *(["postgresql"] if self.postgres else [])]

    async def new(self, kind: str, tmp: Path) -> str:
        if kind == "sqlite":
            return f"sqlite:///{tmp / f'{uuid.uuid4().hex}.db'}"
        assert self.postgres is not None
        return await create_database(self.postgres, f"mimeo_bench_{uuid.uuid4().hex}")

    async def drop(self, kind: str, url: str) -> None:
        if kind == "postgresql":
            assert self.postgres is not None
            await drop_database(self.postgres, url.rsplit("/", 1)[1])


async def main(depths: list[int], list_rows: int) -> None:
    databases = Databases(os.environ.get("MIMEO_TEST_DATABASE_URL"))
    with tempfile.TemporaryDirectory(prefix="mimeo-queue-scale-") as directory:
        tmp = Path(directory)
        for kind in databases.kinds():
            print(f"\n{kind}: claim + finish, {CLAIMS} predictions over {MODELS} versions")
            print(f"{'queued':>10} {'claim p50 ms':>13} {'claim p99 ms':>13} {'per s':>8}")
            for depth in depths:
                url = await databases.new(kind, tmp)
                try:
                    latency, throughput = await claim_and_finish(url, depth, tmp)
                finally:
                    await databases.drop(kind, url)
                print(
                    f"{depth:>10} {latency.p50 * 1000:>13.2f} {latency.p99 * 1000:>13.2f}"
                    f" {throughput:>8.0f}"
                )
            url = await databases.new(kind, tmp)
            try:
                latency = await list_latency(url, list_rows, tmp)
            finally:
                await databases.drop(kind, url)
            print(
                f"GET /v1/predictions with {list_rows} rows: "
                f"p50 {latency.p50 * 1000:.2f} ms, p99 {latency.p99 * 1000:.2f} ms"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--depths", type=int, nargs="+", default=[10, 1_000, 100_000])
    parser.add_argument("--list-rows", type=int, default=1_000_000)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.depths, arguments.list_rows))
