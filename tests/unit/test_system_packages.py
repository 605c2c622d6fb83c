"""cog.yaml's system_packages are checked against the host's dpkg, not installed."""

from __future__ import annotations

import shutil

import pytest

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
