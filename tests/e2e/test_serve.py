"""The README's promise: one command starts the platform with its examples, and the official
client runs them. Slow: these build the examples' environments."""

from __future__ import annotations

import base64
import io
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import replicate
from PIL import Image

from tests.conftest import ROOT, free_port
from tests.e2e.console import Console, clean_env, start, stop

pytestmark = pytest.mark.slow


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
    output: Any = served.run(
        "examples/image-filter", input={"image": png_data_uri((32, 24)), "filter": "grayscale"}
    )

    image = Image.open(io.BytesIO(httpx.get(output).content))
    assert image.size == (32, 24)
    assert image.mode == "L"


def test_serve_files_the_examples_by_task_with_their_readmes(served: replicate.Client) -> None:
    """Collections, README and search of the examples, read as the official client reads them
    (the README through its HTTP client: it has no method for it)."""
    text = served.collections.get("text")
    found = served.models.search("greets")
    readme = served._client.get("/v1/models/examples/hello-world/readme")

    assert {"text", "image"} <= {c.slug for c in served.collections.list().results}
    assert [f"{m.owner}/{m.name}" for m in text] == ["examples/hello-world"]
    assert "examples/hello-world" in [f"{m.owner}/{m.name}" for m in found.results]
    assert readme.text.startswith("# hello-world")


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
