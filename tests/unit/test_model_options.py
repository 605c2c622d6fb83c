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


PINS = """
install:
  no_deps:
    - rapidocr_onnxruntime==1.4.4
  hardware:
    gpu:
      torch: torch==2.13.0
      onnxruntime: onnxruntime-gpu==1.30.0
    gpu-h100:
      Torch: torch==2.14.1
"""
PACKAGES = ["torch==2.13.0+cpu", "onnxruntime==1.30.0", "numpy==2.4.6"]


def pinned(tmp_path: Path, text: str = PINS) -> ModelOptions:
    (tmp_path / "mimeo.yaml").write_text(text)
    return ModelOptions.load(tmp_path)


def test_the_cpu_installs_cog_yaml_as_written(tmp_path: Path) -> None:
    install = pinned(tmp_path).install

    assert install.for_hardware("cpu", PACKAGES) == (PACKAGES, ["rapidocr_onnxruntime==1.4.4"])


def test_a_gpu_sku_installs_the_gpu_replacements_by_project_name(tmp_path: Path) -> None:
    requirements, _ = pinned(tmp_path).install.for_hardware("gpu-t4", PACKAGES)

    assert requirements == ["torch==2.13.0", "onnxruntime-gpu==1.30.0", "numpy==2.4.6"]


def test_a_sku_of_its_own_wins_over_every_gpu(tmp_path: Path) -> None:
    requirements, _ = pinned(tmp_path).install.for_hardware("gpu-h100", PACKAGES)

    assert requirements == ["torch==2.14.1", "onnxruntime-gpu==1.30.0", "numpy==2.4.6"]


def test_no_deps_packages_are_replaced_too(tmp_path: Path) -> None:
    options = pinned(
        tmp_path, "install:\n  no_deps: [a_b==1]\n  hardware:\n    gpu:\n      a-b: c==2\n"
    )

    assert options.install.for_hardware("gpu-l40s", []) == ([], ["c==2"])


def test_replacing_what_the_model_does_not_install_is_an_error_even_on_the_cpu(
    tmp_path: Path,
) -> None:
    install = pinned(tmp_path, "install:\n  hardware:\n    gpu:\n      tensorflow: tf==1\n").install

    with pytest.raises(InvalidRequest, match="tensorflow"):
        install.for_hardware("cpu", PACKAGES)


@pytest.mark.parametrize("sku", ["cpu", "gpu-a9000"])
def test_hardware_must_be_gpu_or_a_gpu_sku(tmp_path: Path, sku: str) -> None:
    with pytest.raises(InvalidRequest, match=sku):
        pinned(tmp_path, f"install:\n  hardware:\n    {sku}:\n      torch: torch==2\n")


def test_a_model_may_name_variables_of_the_workers_environment(tmp_path: Path) -> None:
    (tmp_path / "mimeo.yaml").write_text("environment:\n  - HF_TOKEN\n")

    assert ModelOptions.load(tmp_path).environment == ["HF_TOKEN"]


def test_a_model_cannot_ask_for_mimeos_own_variables(tmp_path: Path) -> None:
    (tmp_path / "mimeo.yaml").write_text("environment:\n  - MIMEO_BOOTSTRAP_TOKEN\n")

    with pytest.raises(InvalidRequest, match="MIMEO_BOOTSTRAP_TOKEN"):
        ModelOptions.load(tmp_path)
