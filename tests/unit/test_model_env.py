"""A model's environment is built from nothing: what Python needs, what mimeo sets, and the
variables the model's ``mimeo.yaml`` names."""

from __future__ import annotations

from pathlib import Path

from mimeo.runtime.model_env import model_environment, shared_paths

HOST = {
    "MIMEO_BOOTSTRAP_TOKEN": "r8_secret",
    "AWS_SECRET_ACCESS_KEY": "aws-secret",
    "HF_TOKEN": "hf-token",
    "LANG": "C.UTF-8",
    "PATH": "/home/operator/bin:/usr/bin",
    "HOME": "/root",
}
VENV_BIN = Path("/envs/abc/bin")
SCRATCH = Path("/data/worker/scratch/one")


def test_a_model_sees_the_locale_but_no_other_variable_of_the_host() -> None:
    env = model_environment(HOST, venv_bin=VENV_BIN, scratch=SCRATCH)

    assert env["LANG"] == "C.UTF-8"
    assert not {"MIMEO_BOOTSTRAP_TOKEN", "AWS_SECRET_ACCESS_KEY", "HF_TOKEN"} & set(env)


def test_home_and_temporary_files_are_the_instances_scratch_directory() -> None:
    env = model_environment(HOST, venv_bin=VENV_BIN, scratch=SCRATCH)

    assert (env["HOME"], env["TMPDIR"]) == (str(SCRATCH), str(SCRATCH))
    assert env["PATH"].split(":")[0] == str(VENV_BIN)
    assert "/home/operator/bin" not in env["PATH"]


def test_the_variables_a_model_asks_for_are_passed_but_never_mimeos() -> None:
    env = model_environment(
        HOST, venv_bin=VENV_BIN, scratch=SCRATCH, asked=["HF_TOKEN", "MIMEO_BOOTSTRAP_TOKEN"]
    )

    assert env["HF_TOKEN"] == "hf-token"
    assert "MIMEO_BOOTSTRAP_TOKEN" not in env


def test_what_mimeo_sets_wins_over_the_host() -> None:
    env = model_environment(
        {**HOST, "PORT": "1"}, venv_bin=VENV_BIN, scratch=SCRATCH, asked=["PORT"],
        fixed={"PORT": "5000"},
    )  # fmt: skip

    assert env["PORT"] == "5000"


def test_a_path_the_operator_hands_a_model_is_shared_with_it(tmp_path: Path) -> None:
    host = {"SDXL_TURBO_WEIGHTS": str(tmp_path), "AWS_SECRET_ACCESS_KEY": "/not/asked"}

    assert shared_paths(host, ["SDXL_TURBO_WEIGHTS"]) == [tmp_path]


def test_values_that_are_not_existing_paths_are_not_shared(tmp_path: Path) -> None:
    host = {"HF_TOKEN": "hf_abc", "MISSING": str(tmp_path / "nothing"), "MIMEO_DIR": "/"}

    assert shared_paths(host, ["HF_TOKEN", "MISSING", "MIMEO_DIR"]) == []
