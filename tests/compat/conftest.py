"""The reference: the same fixture predictor on the bare Cog server (coglet), no mimeo between."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mimeo.runtime.environment import EnvironmentBuilder
from mimeo.runtime.prepare import prepare
from tests.conftest import FIXTURES, free_port

BareCog = Callable[[str, dict[str, Any]], Any]


class CogServer:
    def __init__(self, name: str, env_dir: Path, log: Path) -> None:
        prepared = asyncio.run(prepare(FIXTURES / name, EnvironmentBuilder(env_dir)))
        assert prepared.config.predict
        self.url = f"http://127.0.0.1:{free_port()}"
        env = {
            **os.environ,
            "PORT": self.url.rsplit(":", 1)[1],
            "COG_PREDICT_TYPE_STUB": prepared.config.predict,
            "PATH": f"{prepared.environment.bin_dir}{os.pathsep}{os.environ['PATH']}",
        }
        self._log = log.open("wb")
        self.process = subprocess.Popen(
            [str(prepared.environment.python), "-m", "cog.server.http", "--host", "127.0.0.1"],
            cwd=FIXTURES / name,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/health-check").json().get("status") == "READY":
                    return
            except (httpx.TransportError, ValueError):
                pass
            time.sleep(0.1)
        raise RuntimeError("the bare Cog server did not become ready")

    def predict(self, payload: dict[str, Any]) -> Any:
        for _ in range(50):
            answer = httpx.post(f"{self.url}/predictions", json={"input": payload}, timeout=60)
            if answer.status_code != 409:
                break
            time.sleep(0.05)
        body = answer.json()
        assert body["status"] == "succeeded", body
        return body["output"]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)
        self._log.close()


@pytest.fixture(scope="session")
def bare_cog(env_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BareCog]:
    """``bare_cog(fixture_name, input)`` runs one prediction on that fixture's own Cog server."""
    servers: dict[str, CogServer] = {}
    logs = tmp_path_factory.mktemp("bare-cog")

    def run(name: str, payload: dict[str, Any]) -> Any:
        if name not in servers:
            servers[name] = CogServer(name, env_dir, logs / f"{name}.log")
        return servers[name].predict(payload)

    yield run
    for server in servers.values():
        server.stop()
