"""``cog.yaml`` parsing (``mimeo.runtime.cog_config``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from mimeo.core.errors import InvalidRequest
from mimeo.runtime.cog_config import CogConfig

ModelDir = Callable[[str], Path]

FULL = """\
build:
  python_version: "3.12"
  gpu: true
  python_packages:
    - torch==2.5.1
    - pillow
  python_requirements: requirements.txt
  system_packages:
    - ffmpeg
    - libgl1
predict: predict.py:Predictor
train: train.py:train
image: r8.im/owner/model
concurrency:
  max: 4
"""


@pytest.fixture
def model_dir(tmp_path: Path) -> ModelDir:
    """A model directory whose cog.yaml holds the given text."""

    def write(cog_yaml: str) -> Path:
        (tmp_path / "cog.yaml").write_text(cog_yaml)
        return tmp_path

    return write


@pytest.fixture
def full(model_dir: ModelDir) -> CogConfig:
    return CogConfig.load(model_dir(FULL))


def test_python_version_is_read(full: CogConfig) -> None:
    assert full.build.python_version == "3.12"


def test_python_packages_are_read_in_order(full: CogConfig) -> None:
    assert full.build.python_packages == ["torch==2.5.1", "pillow"]


def test_python_requirements_names_a_file(full: CogConfig) -> None:
    assert full.build.python_requirements == "requirements.txt"


def test_system_packages_are_read(full: CogConfig) -> None:
    assert full.build.system_packages == ["ffmpeg", "libgl1"]


def test_predict_and_train_are_module_references(full: CogConfig) -> None:
    assert (full.predict, full.train) == ("predict.py:Predictor", "train.py:train")


def test_concurrency_max_is_read(full: CogConfig) -> None:
    assert full.concurrency.max == 4


def test_image_is_read(full: CogConfig) -> None:
    assert full.image == "r8.im/owner/model"


def test_a_minimal_cog_yaml_gets_the_defaults(model_dir: ModelDir) -> None:
    config = CogConfig.load(model_dir("predict: predict.py:Predictor\n"))

    assert config.build.python_version == "3.11"
    assert config.build.python_packages == []
    assert config.build.system_packages == []
    assert config.build.python_requirements is None
    assert (config.train, config.image) == (None, None)
    assert config.concurrency.max == 1


def test_an_unquoted_python_version_is_read_as_text(model_dir: ModelDir) -> None:
    config = CogConfig.load(model_dir("build:\n  python_version: 3.12\npredict: p.py:P\n"))

    assert config.build.python_version == "3.12"


def test_an_unquoted_python_version_with_a_trailing_zero_keeps_it(model_dir: ModelDir) -> None:
    config = CogConfig.load(model_dir("build:\n  python_version: 3.10\npredict: p.py:P\n"))

    assert config.build.python_version == "3.10"


@pytest.mark.parametrize(
    ("version", "reason"),
    [
        ("3", "must include major and minor version"),
        ("three.twelve", "must include major and minor version"),
        ("3.9", "minimum supported Python version is 3.10"),
    ],
)
def test_a_python_version_cog_refuses_is_rejected(
    model_dir: ModelDir, version: str, reason: str
) -> None:
    with pytest.raises(InvalidRequest, match=reason):
        CogConfig.load(model_dir(f"build:\n  python_version: '{version}'\npredict: p.py:P\n"))


def test_unknown_keys_are_kept_but_do_not_fail(model_dir: ModelDir) -> None:
    config = CogConfig.load(model_dir("predict: p.py:P\nsomething_new:\n  - A=1\n"))

    assert config.model_extra == {"something_new": ["A=1"]}


def test_run_names_the_predictor_as_predict_does(model_dir: ModelDir) -> None:
    config = CogConfig.load(model_dir("run: run.py:Runner\n"))

    assert config.predict == "run.py:Runner"


def test_run_and_predict_together_are_rejected(model_dir: ModelDir) -> None:
    with pytest.raises(InvalidRequest, match="only one of run or predict can be set"):
        CogConfig.load(model_dir("run: run.py:Runner\npredict: predict.py:Predictor\n"))


def test_environment_entries_become_variables(model_dir: ModelDir) -> None:
    config = CogConfig.load(
        model_dir("predict: p.py:P\nenvironment:\n  - NAME=michael\n  - EQ=a=b\n  - EMPTY=\n")
    )

    assert config.environment_variables == {"NAME": "michael", "EQ": "a=b", "EMPTY": ""}


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ("NAME", "not in the KEY=VALUE format"),
        ("=value", "not in the KEY=VALUE format"),
        ("PATH=/opt/bin", "reserved for internal use"),
        ("CUDA_VISIBLE_DEVICES=0", "reserved for internal use"),
        ("REPLICATE_API_TOKEN=r8", "reserved for internal use"),
    ],
)
def test_environment_entries_cog_refuses_are_rejected(
    model_dir: ModelDir, entry: str, reason: str
) -> None:
    with pytest.raises(InvalidRequest, match=reason):
        CogConfig.load(model_dir(f"predict: p.py:P\nenvironment:\n  - {entry}\n"))


def test_an_environment_variable_given_twice_is_rejected(model_dir: ModelDir) -> None:
    with pytest.raises(InvalidRequest, match="already defined"):
        CogConfig.load(model_dir("predict: p.py:P\nenvironment:\n  - A=1\n  - A=2\n"))


def test_a_directory_without_cog_yaml_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(InvalidRequest, match=r"has no cog\.yaml"):
        CogConfig.load(tmp_path)


def test_a_cog_yaml_without_predict_is_rejected(model_dir: ModelDir) -> None:
    with pytest.raises(InvalidRequest, match="has no 'run:' or 'predict:' entry"):
        CogConfig.load(model_dir("build:\n  python_version: '3.12'\n"))


def test_an_empty_cog_yaml_is_rejected(model_dir: ModelDir) -> None:
    with pytest.raises(InvalidRequest, match="has no 'run:' or 'predict:' entry"):
        CogConfig.load(model_dir(""))


def test_malformed_yaml_is_rejected(model_dir: ModelDir) -> None:
    with pytest.raises(InvalidRequest, match=r"is not a valid cog\.yaml"):
        CogConfig.load(model_dir("predict: [unclosed\n"))


def test_python_packages_must_be_a_list(model_dir: ModelDir) -> None:
    with pytest.raises(InvalidRequest, match=r"is not a valid cog\.yaml"):
        CogConfig.load(model_dir("build:\n  python_packages: torch\npredict: p.py:P\n"))


def test_concurrency_max_must_be_at_least_one(model_dir: ModelDir) -> None:
    with pytest.raises(InvalidRequest, match=r"is not a valid cog\.yaml"):
        CogConfig.load(model_dir("predict: p.py:P\nconcurrency:\n  max: 0\n"))


def test_requirements_join_packages_and_the_requirements_file(model_dir: ModelDir) -> None:
    directory = model_dir(FULL)
    (directory / "requirements.txt").write_text(
        "# pinned\nnumpy==2.1.0\n\n  scipy  # for signal\n--extra-index-url https://x.test\n"
    )

    assert CogConfig.load(directory).requirements(directory) == [
        "torch==2.5.1",
        "pillow",
        "numpy==2.1.0",
        "scipy",
        "--extra-index-url https://x.test",
    ]


def test_a_missing_requirements_file_is_rejected(model_dir: ModelDir) -> None:
    directory = model_dir(FULL)

    with pytest.raises(InvalidRequest, match=r"requirements\.txt does not exist"):
        CogConfig.load(directory).requirements(directory)
