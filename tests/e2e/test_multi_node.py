"""Two API nodes and three workers on one database, as a cluster runs: predictions are created
through both nodes and streamed through the other one, and ``mimeo workers`` shows the fleet;
then one API node and one worker are killed with SIGKILL mid-run. Nothing is lost, nothing is
stuck, no prediction runs twice at once, and a stream on the surviving node keeps going to the
end."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.conftest import FIXTURES, MimeoServer
from tests.e2e.conftest import WORKER_TOKEN, api_server
from tests.e2e.crashes import (
    LEASE,
    SETTLE_SECONDS,
    assert_no_orphans,
    kill_9,
    tracked,
    worker_node,
)
from tests.waiting import eventually

pytestmark = pytest.mark.slow
SECONDS = 4.0
"""Each prediction sleeps this long: long enough to be killed under."""


def on_node(url: str, node: MimeoServer) -> str:
    """The same URL (a signed stream URL) on another API node."""
    parts = urlsplit(url)
    return f"{node.url}{parts.path}?{parts.query}"


def workers_table(node: MimeoServer) -> str:
    """What ``mimeo workers`` shows an operator of this API node."""
    return subprocess.run(
        [sys.executable, "-m", "mimeo", "workers", "--server", node.url],
        env={**node.env, "MIMEO_WORKER_TOKEN": WORKER_TOKEN, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout


class Stream:
    """An SSE stream read to its end in a thread: its events in order."""

    def __init__(self, url: str) -> None:
        self.events: list[str] = []
        self.done = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(url,), daemon=True)
        self._thread.start()

    def _read(self, url: str) -> None:
        try:
            with httpx.stream("GET", url, timeout=SETTLE_SECONDS) as response:
                for line in response.iter_lines():
                    if line.startswith("event: "):
                        self.events.append(line.removeprefix("event: "))
                        if self.events[-1] == "done":
                            return
        finally:
            self.done.set()


@pytest.fixture
def two_nodes(
    tmp_path: Path, env_dir: Path, database_url: str
) -> Iterator[tuple[MimeoServer, MimeoServer]]:
    """Both nodes share the database and the blob store, as a cluster's nodes share a bucket."""
    for node in ("api-a", "api-b"):
        (tmp_path / node).mkdir()
    shared = {**LEASE, "MIMEO_STORAGE_URL": str(tmp_path / "bucket")}
    with (
        api_server(tmp_path / "api-a", env_dir, database_url, **shared) as a,
        api_server(tmp_path / "api-b", env_dir, database_url, **shared) as b,
    ):
        a.push(FIXTURES / "sleep-logs", "multi/sleep")
        yield a, b


def test_killing_an_api_node_and_a_worker_mid_run_loses_nothing(
    two_nodes: tuple[MimeoServer, MimeoServer], tmp_path: Path
) -> None:
    a, b = two_nodes
    created: list[str] = []
    with (
        tracked(a, created) as through_a,
        tracked(b, created) as through_b,
        worker_node(a, tmp_path / "w1"),
        worker_node(a, tmp_path / "w2"),
        worker_node(b, tmp_path / "w3", drain=False) as doomed_worker,
    ):
        on_a = [through_a.create("multi/sleep", SECONDS) for _ in range(3)]
        on_b = [through_b.create("multi/sleep", SECONDS) for _ in range(3)]
        streams = [Stream(on_node(p.urls["stream"], a)) for p in on_b]
        eventually(
            lambda: sum(through_a.get(p.id).status == "processing" for p in on_a + on_b) >= 2,
            "predictions running",
            SETTLE_SECONDS,
        )
        eventually(
            lambda: workers_table(a).count("wkr_") == 3,
            "the three workers in `mimeo workers`",
            SETTLE_SECONDS,
        )

        b.process.kill()
        b.process.wait()
        assert_no_orphans(kill_9(doomed_worker))

        for stream in streams:
            assert stream.done.wait(SETTLE_SECONDS)
        settled = through_a.settled()

    assert len(settled) == 6
    failed = {p.id: (p.error, p.logs) for p in settled.values() if p.status != "succeeded"}
    assert failed == {}
    assert {p.status for p in settled.values()} == {"succeeded"}
    assert all((p.logs or "").count("woke") == 1 for p in settled.values())
    assert all(stream.events[-1] == "done" for stream in streams)
