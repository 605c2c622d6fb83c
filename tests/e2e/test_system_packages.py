"""The set-up commands install the Debian packages the library needs, or name the fix: a model
whose system packages are missing is left out in one line, never in silence."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import replicate

from tests.conftest import EXAMPLES, free_port
from tests.e2e.console import Console, clean_env, start, stop

MISSING = "mimeo-test-no-such-package"
LEFT_OUT = (
    f"examples/needs-missing left out: missing system packages {MISSING}; "
    f"fix: sudo apt-get install -y --no-install-recommends {MISSING}"
)

pytestmark = pytest.mark.skipif(shutil.which("dpkg-query") is None, reason="needs dpkg")


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """A model library of hello-world and a model needing a package no machine has."""
    root = tmp_path / "examples"
    shutil.copytree(EXAMPLES / "hello-world", root / "hello-world")
    needs_missing = root / "needs-missing"
    shutil.copytree(EXAMPLES / "hello-world", needs_missing)
    cog_yaml = needs_missing / "cog.yaml"
    cog_yaml.write_text(
        cog_yaml.read_text().replace("build:\n", f"build:\n  system_packages:\n    - {MISSING}\n")
    )
    return root


def system_packages(library: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mimeo", "system-packages", *args],
        env=clean_env(MIMEO_EXAMPLES_DIR=str(library)),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_strict_check_fails_naming_the_left_out_model_and_its_fix(library: Path) -> None:
    result = system_packages(library, "--check", "--strict")

    assert result.returncode == 1
    assert LEFT_OUT in result.stderr


def test_a_library_whose_packages_are_present_passes_quietly(library: Path) -> None:
    shutil.rmtree(library / "needs-missing")

    result = system_packages(library, "--check", "--strict")

    assert result.returncode == 0
    assert "left out" not in result.stderr


@pytest.mark.slow
def test_serve_leaves_out_the_model_naming_the_fix_and_runs_the_rest(
    library: Path, tmp_path: Path, env_dir: Path
) -> None:
    port = free_port()
    process = start(
        [sys.executable, "-m", "mimeo", "serve", "--port", str(port), "--examples", "all"],
        tmp_path,
        clean_env(
            MIMEO_EXAMPLES_DIR=str(library),
            MIMEO_DATA_DIR=str(tmp_path / "data"),
            MIMEO_ENV_DIR=str(env_dir),
        ),
    )
    console = Console(process)
    try:
        console.wait_ready(process, timeout=600)
        assert LEFT_OUT in console.wait_for("left out", process, timeout=60)
        client = replicate.Client(
            base_url=console.value_after("REPLICATE_BASE_URL="),
            api_token=console.value_after("REPLICATE_API_TOKEN="),
        )
        assert client.run("examples/hello-world", input={"text": "rest"}) == "hello rest"
        client._client.close()
    finally:
        stop(process)
