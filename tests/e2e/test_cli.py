"""The CLI as a user types it: ``mimeo predict`` runs a model directory without a server,
``mimeo run`` runs a pushed model on one."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from tests.conftest import FIXTURES, MimeoServer


def mimeo(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mimeo", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def talking_to(server: MimeoServer, token: str | None = None) -> dict[str, str]:
    """The environment of a CLI user pointed at ``server``."""
    return {**server.env, "MIMEO_SERVER": server.url, "MIMEO_API_TOKEN": token or server.token}


def test_predict_runs_a_model_directory_locally(env_dir: Path) -> None:
    result = mimeo(
        "predict", str(FIXTURES / "echo"), "-i", "text=no server",
        env={**os.environ, "MIMEO_ENV_DIR": str(env_dir)},
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "no server"


def test_predict_shows_concatenated_tokens_as_one_text(env_dir: Path) -> None:
    result = mimeo(
        "predict", str(FIXTURES / "concat-stream"), "-i", "n=3",
        env={**os.environ, "MIMEO_ENV_DIR": str(env_dir)},
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "token0 token1 token2"


def test_predict_reads_file_inputs_from_at_paths(env_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "input.txt").write_bytes(b"twelve bytes")

    result = mimeo(
        "predict", str(FIXTURES / "all-inputs"), "-i", "prompt=p",
        "-i", f"path=@{tmp_path / 'input.txt'}",
        env={**os.environ, "MIMEO_ENV_DIR": str(env_dir)},
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert '"path": {"length": 12}' in result.stdout


def test_run_uses_a_pushed_model_on_the_server(
    mimeo_server: MimeoServer, push_fixture: Callable[[str], str]
) -> None:
    push_fixture("echo")

    result = mimeo(
        "run", "fixtures/echo", "-i", "text=from the cli",
        env=talking_to(mimeo_server),
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "from the cli"


def test_run_shows_concatenated_tokens_as_one_text(
    mimeo_server: MimeoServer, push_fixture: Callable[[str], str]
) -> None:
    push_fixture("concat-stream")

    result = mimeo(
        "run", "fixtures/concat-stream", "-i", "n=3",
        env=talking_to(mimeo_server),
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "token0 token1 token2"


def test_run_with_a_wrong_token_says_so(mimeo_server: MimeoServer) -> None:
    result = mimeo(
        "run", "fixtures/echo", "-i", "text=x",
        env=talking_to(mimeo_server, token="wrong"),
    )  # fmt: skip

    assert result.returncode != 0
    assert "401" in result.stderr or "authentication" in result.stderr.lower()


def test_file_outputs_are_written_next_to_the_user(env_dir: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mimeo", "predict", str(FIXTURES / "outputs-path")],
        env={**os.environ, "MIMEO_ENV_DIR": str(env_dir)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    written = [p for p in tmp_path.iterdir() if p.is_file()]
    assert [p.read_bytes() for p in written] == [b"hello from outputs-path\n"], result.stdout
