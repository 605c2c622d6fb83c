"""Shared setup: a real ``mimeo serve`` on loopback, the official client pointed at it, and
fixture predictors pushed through the real ``mimeo push``."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import replicate

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
EXAMPLES = ROOT / "examples"
TOKEN = "test-token-0123456789"
WORKER_TOKEN = "test-worker-token-0123456789"
"""The operator's token of every test server (``/v1/admin``), unless a test sets its own."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"mimeo serve exited early:\n{log.read_text()}")
        try:
            # Liveness only: the TLS tests check the certificate themselves.
            if httpx.get(f"{url}/health", timeout=2, verify=False).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"mimeo serve did not answer within 60 s:\n{log.read_text()}")


@dataclass
class MimeoServer:
    url: str
    token: str
    data_dir: Path
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    log: Path
    pushed: dict[str, str] = field(default_factory=dict)

    def push(self, model_dir: Path, model: str) -> str:
        """Push with the real CLI; returns the version id. Each directory is pushed once."""
        key = f"{model}@{model_dir}"
        if key not in self.pushed:
            result = subprocess.run(
                [sys.executable, "-m", "mimeo", "push", str(model_dir), "--model", model],
                env={**self.env, "MIMEO_SERVER": self.url, "MIMEO_API_TOKEN": self.token},
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            if result.returncode != 0:
                raise RuntimeError(f"mimeo push failed:\n{result.stdout}\n{result.stderr}")
            self.pushed[key] = result.stdout.strip().splitlines()[-1].split(":")[-1]
        return self.pushed[key]

    def http(self, token: str | None = None) -> httpx.Client:
        return httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {token or self.token}"},
            timeout=120,
        )


@pytest.fixture(scope="session")
def env_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Model environments are shared by every server of the session, as on one machine."""
    return tmp_path_factory.mktemp("envs")


@contextmanager
def running_server(
    data_dir: Path, env_dir: Path, *args: str, scheme: str = "http", **env: str
) -> Iterator[MimeoServer]:
    """``mimeo serve`` on a free port with ``args``, its output in ``data_dir/serve.log``;
    ``scheme="https"`` when ``args`` or ``env`` turn TLS on."""
    port = free_port()
    environment = {
        **os.environ,
        "MIMEO_BOOTSTRAP_TOKEN": TOKEN,
        "MIMEO_WORKER_TOKEN": WORKER_TOKEN,
        "MIMEO_ENV_DIR": str(env_dir),
        "MIMEO_DATA_DIR": str(data_dir),
        **env,
    }
    for name in ("REPLICATE_API_TOKEN", "MIMEO_API_TOKEN", "MIMEO_SERVER"):
        environment.pop(name, None)
    log = data_dir / "serve.log"
    command = [sys.executable, "-m", "mimeo", "serve", "--port", str(port), *args]
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=environment, stdout=out, stderr=subprocess.STDOUT)
    url = f"{scheme}://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process, log)
        yield MimeoServer(url, TOKEN, data_dir, environment, process, log)
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def mimeo_server(tmp_path_factory: pytest.TempPathFactory, env_dir: Path) -> Iterator[MimeoServer]:
    with running_server(tmp_path_factory.mktemp("data"), env_dir, "--examples", "none") as server:
        yield server


@contextmanager
def official_client(server: MimeoServer) -> Iterator[replicate.Client]:
    """The unchanged official client, configured only by base URL and token."""
    official = replicate.Client(api_token=server.token, base_url=server.url)
    try:
        yield official
    finally:
        official._client.close()


@pytest.fixture(scope="session")
def client(mimeo_server: MimeoServer) -> Iterator[replicate.Client]:
    with official_client(mimeo_server) as official:
        yield official


@pytest.fixture(scope="session")
def push_fixture(mimeo_server: MimeoServer) -> Callable[[str], str]:
    """Push ``tests/fixtures/<name>`` as the model ``fixtures/<name>``; returns its version id."""

    def push(name: str) -> str:
        return mimeo_server.push(FIXTURES / name, f"fixtures/{name}")

    return push
