"""Throughput under load: N concurrent clients against K instances of a trivial predictor,
through mimeo vs K bare Cog servers, in one run.

Each of N async clients sends sync predictions back to back (``Prefer: wait`` to mimeo, plain
``POST /predictions`` to Cog) until ``--requests`` have been made in all, after a few warm-up
requests each. mimeo runs with ``MIMEO_MAX_INSTANCES=K`` and is warmed up until its pool has K
Cog servers. The baseline is K bare Cog servers of the same predictor (tests/fixtures/echo):
client i sends to server i mod K, and a lock per server lets one request in at a time, standing
in for a perfect load balancer (coglet would answer 409 to a second one; mimeo's queue does that
job on its side). With N not a multiple of K the bare servers are unevenly loaded.

Prints predictions/s and p50/p99 latency for each N, and the ratios mimeo/bare for all three:
throughput below 1.00x and latency above 1.00x mean mimeo is slower. Target: at 8 clients on
two instances, throughput >= 0.50x. ``--cluster``: PostgreSQL, API and worker apart.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
from harness import (
    ROOT,
    TOKEN,
    Latency,
    cog_servers_under,
    mimeo_node,
    mode,
    push,
    start_bare_cog,
)
from rich.console import Console
from rich.table import Table

FIXTURE = ROOT / "tests" / "fixtures" / "echo"
MODEL = "bench/echo"
BODY = {"input": {"text": "hi"}}
WARMUP_PER_CLIENT = 3
WARMUP_ROUNDS = 5
AT_CAPACITY_RETRY_SECONDS = 0.002

Send = Callable[[int], Awaitable[None]]
"""One prediction by client ``i``, back when it succeeded; raises otherwise."""


@dataclass(frozen=True)
class Run:
    latency: Latency
    seconds: float

    @property
    def throughput(self) -> float:
        return len(self.latency.samples) / self.seconds


def succeeded(response: httpx.Response) -> None:
    if response.status_code not in (200, 201) or response.json().get("status") != "succeeded":
        raise RuntimeError(f"prediction did not succeed: {response.status_code} {response.text}")


async def drive(send: Send, clients: int, requests: int) -> Run:
    """``clients`` concurrent loops sharing ``requests`` between them, after a warm-up."""
    samples: list[float] = []

    async def client(index: int, count: int, measured: bool) -> None:
        for _ in range(count):
            started = time.perf_counter()
            await send(index)
            if measured:
                samples.append(time.perf_counter() - started)

    await asyncio.gather(*(client(i, WARMUP_PER_CLIENT, False) for i in range(clients)))
    started = time.perf_counter()
    await asyncio.gather(*(client(i, max(1, requests // clients), True) for i in range(clients)))
    return Run(Latency(samples), time.perf_counter() - started)


async def bare_cog(
    model_dir: Path, env_dir: Path, instances: int, counts: Sequence[int], requests: int
) -> dict[int, Run]:
    servers = []
    try:
        for _ in range(instances):
            servers.append(await start_bare_cog(model_dir, env_dir))
        locks = [asyncio.Lock() for _ in servers]
        async with AsyncExitStack() as stack:
            http = [
                await stack.enter_async_context(
                    httpx.AsyncClient(
                        base_url=f"http://127.0.0.1:{servers[i % instances].port}", timeout=60
                    )
                )
                for i in range(max(counts))
            ]

            async def send(index: int) -> None:
                async with locks[index % instances]:
                    while True:  # coglet answers 409 for a moment while it frees the slot
                        response = await http[index].post("/predictions", json=BODY)
                        if response.status_code != 409:
                            break
                        await asyncio.sleep(AT_CAPACITY_RETRY_SECONDS)
                succeeded(response)

            return {n: await drive(send, n, requests) for n in counts}
    finally:
        for server in servers:
            await server.stop()


async def through_mimeo(
    model_dir: Path,
    env_dir: Path,
    instances: int,
    counts: Sequence[int],
    requests: int,
    cluster: bool,
) -> dict[int, Run]:
    limits = {"MIMEO_MAX_INSTANCES": str(instances)}
    with mimeo_node(env_dir, limits, cluster=cluster) as node:
        url = node.url
        push(url, model_dir, MODEL, env_dir)
        async with AsyncExitStack() as stack:
            http = [
                await stack.enter_async_context(
                    httpx.AsyncClient(
                        base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=70
                    )
                )
                for _ in range(max(max(counts), 2 * instances))
            ]

            async def send(index: int) -> None:
                succeeded(
                    await http[index].post(
                        f"/v1/models/{MODEL}/predictions", json=BODY, headers={"Prefer": "wait"}
                    )
                )

            await warm_up(send, node.worker_pid, instances)
            return {n: await drive(send, n, requests) for n in counts}


async def warm_up(send: Send, pid: int, instances: int) -> None:
    """Bursts of 2K concurrent predictions until mimeo runs K Cog servers."""
    running = 0
    for _ in range(WARMUP_ROUNDS):
        await asyncio.gather(*(send(i) for i in range(2 * instances)))
        running = cog_servers_under(pid)
        if running >= instances:
            return
    Console(stderr=True).print(
        f"[yellow]warning: mimeo runs {running} Cog servers after warm-up, not {instances}"
    )


def report(
    bare: dict[int, Run], mimeo: dict[int, Run], instances: int, requests: int, cluster: bool
) -> None:
    table = Table(
        title=f"echo predictor, {instances} instances, ~{requests} requests per row and side; "
        f"mimeo {mode(cluster)}",
        caption="ratio = mimeo/bare: throughput < 1.00x and latency > 1.00x mean mimeo is slower",
    )
    table.add_column("clients", justify="right")
    for metric in ("pred/s", "p50 ms", "p99 ms"):
        table.add_column(f"bare {metric}", justify="right")
        table.add_column(f"mimeo {metric}", justify="right")
        table.add_column("ratio", justify="right", style="bold")
    for n, cog in bare.items():
        ours = mimeo[n]
        row = [str(n)]
        for cog_value, our_value in (
            (cog.throughput, ours.throughput),
            (cog.latency.p50 * 1e3, ours.latency.p50 * 1e3),
            (cog.latency.p99 * 1e3, ours.latency.p99 * 1e3),
        ):
            row += [f"{cog_value:.1f}", f"{our_value:.1f}", f"{our_value / cog_value:.2f}x"]
        table.add_row(*row)
    Console(width=140).print(table)


def client_counts(values: list[str] | None) -> list[int]:
    counts = sorted({int(part) for value in values or ["1,4,8"] for part in value.split(",")})
    if not counts or counts[0] < 1:
        raise SystemExit("--clients: give counts of at least 1")
    return counts


async def run(instances: int, counts: list[int], requests: int, cluster: bool) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        model_dir = Path(scratch) / "echo"
        shutil.copytree(FIXTURE, model_dir)
        env_dir = Path(scratch) / "envs"
        bare = await bare_cog(model_dir, env_dir, instances, counts, requests)
        mimeo = await through_mimeo(model_dir, env_dir, instances, counts, requests, cluster)
    report(bare, mimeo, instances, requests, cluster)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--instances", type=int, default=2, help="K: Cog servers per side")
    parser.add_argument(
        "--clients",
        action="append",
        help="N: concurrent clients, repeatable or a comma list (default 1,4,8)",
    )
    parser.add_argument(
        "--requests", type=int, default=500, help="measured predictions per row and side"
    )
    parser.add_argument("--cluster", action="store_true", help="PostgreSQL, API and worker apart")
    args = parser.parse_args()
    if args.instances < 1 or args.requests < 1:
        parser.error("--instances and --requests must be at least 1")
    asyncio.run(run(args.instances, client_counts(args.clients), args.requests, args.cluster))


if __name__ == "__main__":
    main()
