"""Time to first token: a streaming predictor through mimeo vs the bare Cog server, one run.

The predictor (tests/fixtures/stream) yields ``n`` tokens ``delay`` seconds apart. Bare Cog is
asked with ``Accept: text/event-stream`` on ``POST /predictions``; mimeo the way the official
clients do it: create the prediction, then open ``urls.stream``. Time runs from the moment the
request is sent to the first ``output`` event, and to ``done``. Prints p50/p99 and the ratios.
Target: first token p50 <= bare Cog + 5 ms. ``--cluster``: PostgreSQL, API and worker apart.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from harness import ROOT, TOKEN, Latency, mimeo_server, mode, push, start_bare_cog

FIXTURE = ROOT / "tests" / "fixtures" / "stream"
WARMUP = 3


def sse_events(response: httpx.Response) -> Iterator[str]:
    """Event names as they arrive."""
    for line in response.iter_lines():
        if line.startswith("event:"):
            yield line[6:].strip()


def bare_cog(
    model_dir: Path, env_dir: Path, body: dict[str, object], n: int
) -> tuple[Latency, Latency]:
    loop = asyncio.new_event_loop()
    instance = loop.run_until_complete(start_bare_cog(model_dir, env_dir))
    first, whole = [], []
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{instance.port}", timeout=60) as client:
            for i in range(n + WARMUP):
                started = time.perf_counter()
                while True:
                    with client.stream(
                        "POST", "/predictions", json=body, headers={"Accept": "text/event-stream"}
                    ) as response:
                        if response.status_code == 409:
                            time.sleep(0.002)
                            continue
                        first_at = None
                        for name in sse_events(response):
                            if name == "output" and first_at is None:
                                first_at = time.perf_counter()
                        done_at = time.perf_counter()
                        break
                assert first_at is not None, "the bare Cog server streamed no output"
                if i >= WARMUP:
                    first.append(first_at - started)
                    whole.append(done_at - started)
    finally:
        loop.run_until_complete(instance.stop())
        loop.close()
    return Latency(first), Latency(whole)


def through_mimeo(
    model_dir: Path, env_dir: Path, body: dict[str, object], n: int, cluster: bool
) -> tuple[Latency, Latency]:
    first, whole = [], []
    with mimeo_server(env_dir, cluster=cluster) as url:
        push(url, model_dir, "bench/stream", env_dir)
        with httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60
        ) as client:
            for i in range(n + WARMUP):
                started = time.perf_counter()
                created = client.post("/v1/models/bench/stream/predictions", json=body)
                stream_url = created.json()["urls"]["stream"]
                first_at = None
                with client.stream(
                    "GET", stream_url, headers={"Accept": "text/event-stream"}
                ) as response:
                    for name in sse_events(response):
                        if name == "output" and first_at is None:
                            first_at = time.perf_counter()
                        if name == "done":
                            break
                done_at = time.perf_counter()
                assert first_at is not None, "mimeo streamed no output"
                if i >= WARMUP:
                    first.append(first_at - started)
                    whole.append(done_at - started)
    return Latency(first), Latency(whole)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=50, help="predictions per side")
    parser.add_argument("--tokens", type=int, default=20)
    parser.add_argument("--delay", type=float, default=0.02, help="seconds between tokens")
    parser.add_argument("--cluster", action="store_true", help="PostgreSQL, API and worker apart")
    args = parser.parse_args()
    body: dict[str, object] = {"input": {"n": args.tokens, "delay": args.delay}}
    with tempfile.TemporaryDirectory() as scratch:
        model_dir = Path(scratch) / "stream"
        shutil.copytree(FIXTURE, model_dir)
        env_dir = Path(scratch) / "envs"
        cog_first, cog_whole = bare_cog(model_dir, env_dir, body, args.n)
        mimeo_first, mimeo_whole = through_mimeo(model_dir, env_dir, body, args.n, args.cluster)
    print(
        f"mimeo {mode(args.cluster)}; {args.tokens} tokens, {args.delay * 1e3:.0f} ms apart, "
        f"{args.n} predictions per side"
    )
    print(f"{'':24}{'first p50':>11}{'first p99':>11}{'done p50':>11}{'done p99':>11}  (ms)")
    for label, first, whole in (
        ("bare Cog (coglet SSE)", cog_first, cog_whole),
        ("mimeo urls.stream", mimeo_first, mimeo_whole),
    ):
        print(
            f"{label:24}{first.p50 * 1e3:11.1f}{first.p99 * 1e3:11.1f}"
            f"{whole.p50 * 1e3:11.1f}{whole.p99 * 1e3:11.1f}"
        )
    print(
        f"ratio mimeo/Cog: first token p50 {mimeo_first.p50 / cog_first.p50:.2f}x, "
        f"p99 {mimeo_first.p99 / cog_first.p99:.2f}x; "
        f"done p50 {mimeo_whole.p50 / cog_whole.p50:.2f}x; first token p50 "
        f"{(mimeo_first.p50 - cog_first.p50) * 1e3:+.1f} ms (target <= +5 ms)"
    )


if __name__ == "__main__":
    main()
