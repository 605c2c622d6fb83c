"""Where mimeo finds an installed Python beside uv (``mimeo.runtime.interpreters``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mimeo.runtime.interpreters import matches, pyenv_candidates


def pyenv_root(tmp_path: Path, *versions: str) -> dict[str, str]:
    """A pyenv root with these versions installed; returns the environment naming it."""
    for version in versions:
        binary = tmp_path / "versions" / version / "bin" / f"python{version[:4].rstrip('.')}"
        binary.parent.mkdir(parents=True)
        binary.write_text("#!/bin/sh\n")
        binary.chmod(0o755)
    return {"PYENV_ROOT": str(tmp_path)}


def test_pyenv_installs_of_the_version_are_found_newest_patch_first(tmp_path: Path) -> None:
    env = pyenv_root(tmp_path, "3.12.1", "3.12.10", "3.12.3", "3.13.0")

    found = pyenv_candidates("3.12", env)

    assert [path.parents[1].name for path in found] == ["3.12.10", "3.12.3", "3.12.1"]
    assert all(path.name == "python3.12" for path in found)


def test_a_patch_release_asked_for_finds_only_that_release(tmp_path: Path) -> None:
    env = pyenv_root(tmp_path, "3.12.1", "3.12.3")

    assert [p.parents[1].name for p in pyenv_candidates("3.12.3", env)] == ["3.12.3"]


def test_no_pyenv_root_means_no_candidates(tmp_path: Path) -> None:
    assert pyenv_candidates("3.12", {"PYENV_ROOT": str(tmp_path / "absent")}) == []


@pytest.mark.parametrize(
    ("version", "requested", "expected"),
    [
        ("3.12.1", "3.12", True),
        ("3.12.1", "3.12.1", True),
        ("3.1.5", "3.12", False),
        ("3.12.1", "3.1", False),
        ("3.13.0", "3.12", False),
    ],
)
def test_a_version_matches_the_release_it_names(
    version: str, requested: str, expected: bool
) -> None:
    assert matches(version, requested) is expected
