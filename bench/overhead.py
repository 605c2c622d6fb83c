"""Sync round trip of a trivial predictor: mimeo (``Prefer: wait``) vs the bare Cog server.

Both run in this one invocation on the same predictor (tests/fixtures/echo), each measured with
the same sequential httpx client after a warm-up. Prints p50/p99 and the ratio mimeo / Cog.
Target: mimeo p50 <= 2.5 x bare Cog p50, p99 <= 3 x bare Cog p99. ``--cluster`` measures mimeo
laid out as a cluster (PostgreSQL, API and worker over HTTP; see ``harness.mimeo_node``).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
from pathlib import Path

import httpx
from harness import ROOT, TOKEN, Latency, cpu_seconds, mimeo_node, mode, push, start_bare_cog

FIXTURE = ROOT / "tests" / "fixtures" / "echo"


def measure(
    client: httpx.Client, path: str, body: dict[str, object], n: int, headers: dict[str, str]
) -> Latency:
    for _ in range(max(5, n // 10)):
        client.post(path, json=body, headers=headers)
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        response = client.post(path, json=body, headers=headers)
        samples.append(time.perf_counter() - started)
        assert response.status_code in (200, 201), response.text
        assert response.json()["status"] == "succeeded", response.text
    return Latency(samples)


def bare_cog(model_dir: Path, env_dir: Path, n: int) -> Latency:
    loop = asyncio.new_event_loop()
    instance = loop.run_until_complete(start_bare_cog(model_dir, env_dir))
    body = {"input": {"text": "hi"}}
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{instance.port}") as client:
            samples = []
            for i in range(n + max(5, n // 10)):
                started = time.perf_counter()
                while (response := client.post("/predictions", json=body)).status_code == 409:
                    time.sleep(0.002)
                elapsed = time.perf_counter() - started
                assert response.json()["status"] == "succeeded", response.text
                if i >= max(5, n // 10):
                    samples.append(elapsed)
            return Latency(samples)
    finally:
        loop.run_until_complete(instance.stop())
        loop.close()


def through_mimeo(model_dir: Path, env_dir: Path, n: int, cluster: bool) -> tuple[Latency, float]:
    """The round trips, and the CPU seconds mimeo's API process spent per request (its own
    work, whatever else the machine runs meanwhile)."""
    with mimeo_node(env_dir, cluster=cluster) as node:
        push(node.url, model_dir, "bench/echo", env_dir)
        with httpx.Client(
            base_url=node.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=70
        ) as client:
            path, body = "/v1/models/bench/echo/predictions", {"input": {"text": "hi"}}
            measure(client, path, body, n // 10, {"Prefer": "wait"})
            began = cpu_seconds(node.api_pid)
            latency = measure(client, path, body, n, {"Prefer": "wait"})
            return latency, (cpu_seconds(node.api_pid) - began) / (n + max(5, n // 10))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=300, help="requests per side")
    parser.add_argument("--cluster", action="store_true", help="PostgreSQL, API and worker apart")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        model_dir = Path(scratch) / "echo"
        shutil.copytree(FIXTURE, model_dir)
        env_dir = Path(scratch) / "envs"
        cog = bare_cog(model_dir, env_dir, args.n)
        mimeo, cpu = through_mimeo(model_dir, env_dir, args.n, args.cluster)
    print(f"mimeo {mode(args.cluster)}, {args.n} sequential requests per side")
    print(f"{'':22}{'p50 ms':>10}{'p99 ms':>10}")
    print(f"{'bare Cog (coglet)':22}{cog.p50 * 1e3:10.2f}{cog.p99 * 1e3:10.2f}")
    print(f"{'mimeo Prefer: wait':22}{mimeo.p50 * 1e3:10.2f}{mimeo.p99 * 1e3:10.2f}")
    print(f"mimeo API process CPU per request: {cpu * 1e3:.2f} ms")
    print(
        f"ratio mimeo/Cog: p50 {mimeo.p50 / cog.p50:.2f}x  p99 {mimeo.p99 / cog.p99:.2f}x "
        f"(target p50 <= 2.5x, p99 <= 3x)"
    )


if __name__ == "__main__":
    main()
