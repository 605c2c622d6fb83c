"""pip's configuration handed to uv (``mimeo.runtime.pip_config``)."""

from __future__ import annotations

from pathlib import Path

from mimeo.runtime.pip_config import read_pip_config


def test_several_indexes_are_searched_as_pip_searches_them() -> None:
    config = read_pip_config({"PIP_EXTRA_INDEX_URL": "https://a.test https://b.test"}, files=())

    assert config.uv_arguments() == [
        "--extra-index-url", "https://a.test",
        "--extra-index-url", "https://b.test",
        "--index-strategy", "unsafe-best-match",
    ]  # fmt: skip


def test_an_index_strategy_chosen_for_uv_is_left_to_uv() -> None:
    config = read_pip_config(
        {"PIP_EXTRA_INDEX_URL": "https://a.test", "UV_INDEX_STRATEGY": "first-index"}, files=()
    )

    assert "--index-strategy" not in config.uv_arguments()


def test_a_single_index_needs_no_strategy() -> None:
    config = read_pip_config({"PIP_INDEX_URL": "https://mirror.test/simple"}, files=())

    assert config.uv_arguments() == ["--index-url", "https://mirror.test/simple"]


def test_a_pip_conf_file_is_read(tmp_path: Path) -> None:
    conf = tmp_path / "pip.conf"
    conf.write_text("[global]\nextra-index-url = https://a.test\n")

    config = read_pip_config({"PIP_CONFIG_FILE": str(conf)}, files=())

    assert config.extra_index_urls == ("https://a.test",)
