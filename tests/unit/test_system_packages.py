"""cog.yaml's system_packages are checked against the host's dpkg, not installed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mimeo.cli.system_packages import Need, listed, needs
from mimeo.runtime.system_packages import installed, missing_system_packages

needs_dpkg = pytest.mark.skipif(shutil.which("dpkg-query") is None, reason="no dpkg on this host")


def test_only_packages_dpkg_reports_installed_count() -> None:
    output = "libgomp1 ii \nlibfoo rc \nlibbar:amd64 ii \n"

    assert installed(output) == {"libgomp1", "libbar"}


@needs_dpkg
async def test_a_package_that_is_not_installed_is_reported_missing() -> None:
    assert await missing_system_packages(["dpkg", "mimeo-no-such-package"]) == [
        "mimeo-no-such-package"
    ]


async def test_no_system_packages_are_never_missing() -> None:
    assert await missing_system_packages([]) == []


def test_what_only_the_tests_use_is_wanted_with_dev_only(tmp_path: Path) -> None:
    examples = tmp_path / "examples"
    examples.mkdir()
    (tmp_path / "system-packages.txt").write_text("bubblewrap\n")
    (tmp_path / "system-packages-dev.txt").write_text("# tests\nchromium  # the browser\n")

    assert needs(examples) == [Need("mimeo", ("bubblewrap",))]
    assert needs(examples, dev=True) == [
        Need("mimeo", ("bubblewrap",)),
        Need("mimeo tests", ("chromium",)),
    ]


def test_make_test_installs_the_browser_of_the_web_ui_tests() -> None:
    root = Path(__file__).resolve().parents[2]

    assert "chromium" in listed(root / "system-packages-dev.txt")
