"""The CLI as a user types it: ``mimeo predict`` runs a model directory without a server,
``mimeo run`` runs a pushed model on one."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from tests.conftest import FIXTURES, MimeoServer, free_port


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


def test_run_finds_the_server_through_replicate_base_url(
    mimeo_server: MimeoServer, push_fixture: Callable[[str], str]
) -> None:
    push_fixture("echo")
    env = {**talking_to(mimeo_server), "REPLICATE_BASE_URL": mimeo_server.url}
    del env["MIMEO_SERVER"]

    result = mimeo("run", "fixtures/echo", "-i", "text=via replicate's variable", env=env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "via replicate's variable"


def test_an_unreachable_server_is_named_in_one_line(mimeo_server: MimeoServer) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    env = {**talking_to(mimeo_server), "MIMEO_SERVER": nowhere}

    result = mimeo("run", "fixtures/echo", "-i", "text=x", env=env)

    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert f"Could not reach a mimeo server at {nowhere}" in line


def test_a_model_with_a_syntax_error_is_said_in_one_line_with_the_fix(
    mimeo_server: MimeoServer, tmp_path: Path
) -> None:
    model = tmp_path / "broken"
    shutil.copytree(FIXTURES / "echo", model)
    (model / "predict.py").write_text(
        "from cog import BasePredictor\n\n\nclass Predictor(BasePredictor):\n"
        "    def predict(self, text: str) -> str\n        return text\n"
    )

    result = mimeo("push", str(model), "--model", "fixtures/broken", env=talking_to(mimeo_server))

    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()[-1:]
    assert "predict.py, line 5: expected ':'" in line
    assert "Fix that line" in line
    assert "Traceback" not in result.stderr


def test_push_leaves_only_cogs_files_in_the_model_and_nothing_where_it_runs(
    mimeo_server: MimeoServer, env_dir: Path, tmp_path: Path
) -> None:
    model, elsewhere, cache = tmp_path / "echo", tmp_path / "elsewhere", tmp_path / "cache"
    shutil.copytree(FIXTURES / "echo", model)
    elsewhere.mkdir()
    (cache / "mimeo").mkdir(parents=True)
    (cache / "mimeo" / "envs").symlink_to(env_dir)  # the session's builds, found by XDG path
    env = {**talking_to(mimeo_server), "XDG_CACHE_HOME": str(cache)}
    del env["MIMEO_ENV_DIR"]

    result = subprocess.run(
        [sys.executable, "-m", "mimeo", "push", str(model), "--model", "fixtures/echo-tidy"],
        env=env, cwd=elsewhere, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert list(elsewhere.iterdir()) == []
    assert sorted(p.name for p in model.iterdir()) == [".cog", "cog.yaml", "predict.py"]


def test_a_port_in_use_at_serve_is_said_in_one_line_with_the_fix(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "MIMEO_DATA_DIR": str(tmp_path / "data")}

        result = mimeo("serve", "--port", str(port), "--examples", "none", env=env)

    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert f"Port {port} on 127.0.0.1 is already in use" in line
    assert "--port" in line
