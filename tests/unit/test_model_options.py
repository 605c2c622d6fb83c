"""``mimeo.yaml``: what mimeo adds beside cog.yaml, per model."""

from __future__ import annotations

from pathlib import Path

import pytest

from mimeo.core.errors import InvalidRequest
from mimeo.runtime.model_options import ModelOptions


def test_a_model_without_mimeo_yaml_takes_the_defaults(tmp_path: Path) -> None:
    options = ModelOptions.load(tmp_path)

    assert (options.timeouts.predict, options.install.no_deps) == (None, [])


def test_timeouts_and_no_deps_packages_are_read(tmp_path: Path) -> None:
    (tmp_path / "mimeo.yaml").write_text(
        "timeouts:\n  predict: 60\ninstall:\n  no_deps:\n    - gan_face_generate==1.1.1\n"
    )

    options = ModelOptions.load(tmp_path)

    assert options.timeouts.predict == 60
    assert options.install.no_deps == ["gan_face_generate==1.1.1"]


def test_an_unknown_key_is_an_error_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "mimeo.yaml").write_text("timeout: 60\n")

    with pytest.raises(InvalidRequest, match=r"mimeo\.yaml"):
        ModelOptions.load(tmp_path)


def test_a_model_may_name_variables_of_the_workers_environment(tmp_path: Path) -> None:
    (tmp_path / "mimeo.yaml").write_text("environment:\n  - HF_TOKEN\n")

    assert ModelOptions.load(tmp_path).environment == ["HF_TOKEN"]


def test_a_model_cannot_ask_for_mimeos_own_variables(tmp_path: Path) -> None:
    (tmp_path / "mimeo.yaml").write_text("environment:\n  - MIMEO_BOOTSTRAP_TOKEN\n")

    with pytest.raises(InvalidRequest, match="MIMEO_BOOTSTRAP_TOKEN"):
        ModelOptions.load(tmp_path)
