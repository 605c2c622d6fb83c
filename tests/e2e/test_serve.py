"""The README's promise: one command starts the platform with its examples, and the official
client runs them. Slow: these build the examples' environments."""

from __future__ import annotations

import base64
import io
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import replicate
from PIL import Image

from tests.conftest import ROOT, free_port

pytestmark = pytest.mark.slow
READY = "mimeo is ready"


class Console:
    """Collects a server's output from a background thread so the pipe never fills."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._pump, args=(process,), daemon=True)
        self._thread.start()

    def _pump(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.lines.append(line)
            if READY in line:
                self._ready.set()
        process.stdout.close()

    def wait_ready(self, process: subprocess.Popen[str], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not self._ready.wait(0.5):
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("the server never became ready:\n" + "".join(self.lines))

    def value_after(self, prefix: str) -> str:
        for line in self.lines:
            if prefix in line:
                return line.split(prefix, 1)[1].strip()
        raise AssertionError(f"{prefix!r} not printed:\n" + "".join(self.lines))


def start(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def stop(process: subprocess.Popen[str]) -> None:
    os.killpg(process.pid, 15)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)
        process.wait()


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MIMEO_", "REPLICATE_"))}
    env.update(COLUMNS="200", **extra)
    return env


def png_data_uri(size: tuple[int, int]) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, env_dir: Path) -> Iterator[replicate.Client]:
    """``mimeo serve`` with the minimal examples, and a client configured from what it printed."""
    data_dir = tmp_path_factory.mktemp("serve-data")
    port = free_port()
    process = start(
        [
            sys.executable,
            "-m",
            "mimeo",
            "serve",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
            "--examples",
            "minimal",
        ],
        ROOT,
        clean_env(MIMEO_ENV_DIR=str(env_dir)),
    )
    console = Console(process)
    try:
        console.wait_ready(process, timeout=600)
        client = replicate.Client(
            base_url=console.value_after("REPLICATE_BASE_URL="),
            api_token=console.value_after("REPLICATE_API_TOKEN="),
        )
        yield client
        client._client.close()
    finally:
        stop(process)


def test_serve_runs_the_hello_world_example(served: replicate.Client) -> None:
    assert served.run("examples/hello-world", input={"text": "mimeo"}) == "hello mimeo"


def test_serve_runs_the_image_example_on_a_file(served: replicate.Client) -> None:
    output = served.run(
        "examples/image-filter", input={"image": png_data_uri((32, 24)), "filter": "grayscale"}
    )

    image = Image.open(io.BytesIO(httpx.get(output).content))
    assert image.size == (32, 24)
    assert image.mode == "L"


def test_make_serve_in_a_fresh_clone_answers_replicate_run(tmp_path: Path) -> None:
    """What a new user does: clone, ``make serve``, then ``replicate.run``."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout to clone")
    clone = tmp_path / "mimeo"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    port = free_port()
    process = start(
        ["make", "serve", f"PYTHON={sys.executable}", f"ARGS=--port {port} --examples minimal"],
        clone,
        clean_env(MIMEO_DATA_DIR=str(tmp_path / "data")),
    )
    console = Console(process)
    try:
        console.wait_ready(process, timeout=900)
        client = replicate.Client(
            base_url=console.value_after("REPLICATE_BASE_URL="),
            api_token=console.value_after("REPLICATE_API_TOKEN="),
        )
        assert client.run("examples/hello-world", input={"text": "clone"}) == "hello clone"
        client._client.close()
    finally:
        stop(process)
