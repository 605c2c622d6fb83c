"""Does the API process's memory stay flat? Its RSS after 1 000 predictions and as they go on.

Sync predictions (``Prefer: wait``) of the echo predictor (tests/fixtures/echo) from
``--clients`` concurrent clients on two instances, until ``--predictions`` have run. The API
process's resident set (``VmRSS``) is read after the first 1 000 and every ``--every`` after;
a least-squares line through the later half of the readings (past the warm-up: caches filling,
the allocator's arenas) gives the growth per 1 000 predictions and what it would be after
100 000. Target: RSS after 100 000 within 10% of RSS after 1 000. Every answer
is checked to be ``succeeded`` and, at the end, the server is asked how many predictions it
holds. ``--cluster``: PostgreSQL, API and worker apart (the API process is measured).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
from pathlib import Path

import httpx
from harness import ROOT, TOKEN, mimeo_node, mode, push

FIXTURE = ROOT / "tests" / "fixtures" / "echo"
MODEL = "bench/echo"
BODY = {"input": {"text": "hi"}}
FIRST = 1_000
TARGET = 100_000


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def slope(points: list[tuple[int, int]]) -> float:
    """Least-squares bytes per prediction through (predictions, RSS) readings."""
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread if spread else 0.0


async def drive(url: str, pid: int, clients: int, total: int, every: int) -> list[tuple[int, int]]:
    """Run ``total`` predictions; RSS readings at ``FIRST`` and every ``every`` after."""
    started = done = 0
    readings: list[tuple[int, int]] = []
    next_reading = FIRST
    began = time.perf_counter()
    headers = {"Authorization": f"Bearer {TOKEN}", "Prefer": "wait"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=70) as http:

        async def client() -> None:
            nonlocal started, done, next_reading
            while started < total:
                started += 1
                answer = await http.post(f"/v1/models/{MODEL}/predictions", json=BODY)
                if answer.status_code != 201 or answer.json()["status"] != "succeeded":
                    raise RuntimeError(f"{answer.status_code} {answer.text}")
                done += 1
                if done >= next_reading:
                    next_reading += every
                    readings.append((done, rss_bytes(pid)))
                    rate = done / (time.perf_counter() - began)
                    print(
                        f"{done:>8} predictions  RSS {readings[-1][1] / 2**20:7.1f} MiB"
                        f"  ({rate:.0f}/s)",
                        flush=True,
                    )

        await asyncio.gather(*(client() for _ in range(clients)))
        listed = (await http.get("/v1/predictions")).json()
        assert listed["results"], "the server lists no predictions"
    return readings


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--predictions", type=int, default=20_000)
    parser.add_argument("--every", type=int, default=2_000, help="predictions between readings")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--cluster", action="store_true", help="PostgreSQL, API and worker apart")
    args = parser.parse_args()
    if args.predictions < FIRST + args.every:
        parser.error(f"--predictions must be at least {FIRST} + --every")
    with tempfile.TemporaryDirectory() as scratch:
        model_dir = Path(scratch) / "echo"
        shutil.copytree(FIXTURE, model_dir)
        env_dir = Path(scratch) / "envs"
        with mimeo_node(env_dir, {"MIMEO_MAX_INSTANCES": "2"}, cluster=args.cluster) as node:
            push(node.url, model_dir, MODEL, env_dir)
            print(f"mimeo {mode(args.cluster)}: API process {node.api_pid}")
            readings = asyncio.run(
                drive(node.url, node.api_pid, args.clients, args.predictions, args.every)
            )
    first = readings[0][1]
    later = readings[len(readings) // 2 :] if len(readings) >= 4 else readings
    per_prediction = slope(later)
    last_n, last = readings[-1]
    at_target = last + per_prediction * (TARGET - last_n)
    print(
        f"RSS after {readings[0][0]}: {first / 2**20:.1f} MiB; after {last_n}: "
        f"{last / 2**20:.1f} MiB ({last / first:.3f}x)"
    )
    print(
        f"slope over the later half {per_prediction * 1000 / 1024:.1f} KiB per 1 000 "
        f"predictions; at {TARGET}: "
        f"{at_target / 2**20:.1f} MiB extrapolated ({at_target / first:.3f}x, target <= 1.10x)"
    )


if __name__ == "__main__":
    main()
