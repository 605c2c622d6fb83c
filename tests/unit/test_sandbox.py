"""The command line that boxes a model server in: what bubblewrap mounts, and where the switch
to the model user happens."""

from __future__ import annotations

from pathlib import Path

import pytest

from mimeo.runtime import sandbox
from mimeo.runtime.sandbox import Boundary, ModelUser

SERVER = ["/envs/abc/bin/python", "-m", "cog.server.http"]
USER = ModelUser("mimeo-model", 990, 990)


def wrap(boundary: Boundary, tmp_path: Path) -> list[str]:
    venv = tmp_path / "envs" / "abc"
    (venv / "bin").mkdir(parents=True)
    return boundary.wrap(
        SERVER,
        venv=venv,
        model_dir=tmp_path / "data" / "worker" / "models" / "v1",
        scratch=tmp_path / "data" / "worker" / "scratch" / "i1",
        gpus=False,
    )


def binds(argv: list[str]) -> dict[str, str]:
    """Each bound path and how: ``--ro-bind`` or ``--bind``."""
    return {
        argv[i + 1]: argv[i] for i in range(len(argv) - 1) if argv[i] in ("--bind", "--ro-bind")
    }


def test_without_bubblewrap_the_server_runs_as_it_is(tmp_path: Path) -> None:
    assert wrap(Boundary(), tmp_path) == SERVER


def test_the_box_holds_the_venv_read_only_and_the_model_and_scratch_writable(
    tmp_path: Path,
) -> None:
    mounted = binds(wrap(Boundary(bwrap="/usr/bin/bwrap"), tmp_path))

    assert mounted[str(tmp_path / "envs" / "abc")] == "--ro-bind"
    assert mounted[str(tmp_path / "data" / "worker" / "models" / "v1")] == "--bind"
    assert mounted[str(tmp_path / "data" / "worker" / "scratch" / "i1")] == "--bind"
    assert str(tmp_path / "data") not in mounted


def test_the_directories_leading_to_a_bind_can_be_passed_through(tmp_path: Path) -> None:
    argv = wrap(Boundary(bwrap="/usr/bin/bwrap"), tmp_path)

    data = argv.index(str(tmp_path / "data"))
    assert argv[data - 3 : data] == ["--perms", "0755", "--dir"]


def test_as_root_the_user_changes_inside_the_box_after_its_mounts(tmp_path: Path) -> None:
    argv = wrap(Boundary(bwrap="/usr/bin/bwrap", user=USER), tmp_path)

    inside = argv[argv.index("--") + 1 :]
    assert inside[0] == "setpriv"
    assert "--reuid=990" in inside
    assert inside[-len(SERVER) :] == SERVER


def test_an_instance_with_gpus_keeps_their_device_nodes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sandbox, "GPU_DEVICES", ("null",))  # a device node every host has
    venv = tmp_path / "envs" / "abc"
    (venv / "bin").mkdir(parents=True)
    boundary = Boundary(bwrap="/usr/bin/bwrap")

    def wrapped(gpus: bool) -> list[str]:
        return boundary.wrap(
            SERVER, venv=venv, model_dir=tmp_path / "m", scratch=tmp_path / "s", gpus=gpus
        )

    with_gpus = wrapped(gpus=True)

    assert with_gpus[with_gpus.index("--dev-bind-try") : with_gpus.index("--dev-bind-try") + 3] == [
        "--dev-bind-try",
        "/dev/null",
        "/dev/null",
    ]
    assert "--dev-bind-try" not in wrapped(gpus=False)
