"""Where model environments are built: a build cache in the user's cache directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from mimeo.settings import Settings


def test_environments_go_to_the_xdg_cache_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MIMEO_ENV_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))

    assert Settings().resolved_env_dir == tmp_path / "mimeo" / "envs"


def test_without_xdg_cache_home_they_go_to_the_home_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MIMEO_ENV_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))

    assert Settings().resolved_env_dir == tmp_path / ".cache" / "mimeo" / "envs"


def test_mimeo_env_dir_moves_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MIMEO_ENV_DIR", str(tmp_path / "envs"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))

    assert Settings().resolved_env_dir == tmp_path / "envs"
