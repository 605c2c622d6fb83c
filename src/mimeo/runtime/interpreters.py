"""An installed interpreter for cog.yaml's ``python_version``; never a download.

uv's discovery comes first (its managed Pythons, ``PATH``, the active venv). It gives up at the
first broken candidate on ``PATH``, and pyenv's shims are broken for every version but the
selected one ("pyenv: python3.12: command not found"): that is how a machine with 3.12 and 3.13
installed looked as if it had neither. So pyenv's own versions directory is searched as well.
Every candidate found that way is asked its version before it is used.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from pathlib import Path

VERSION_PROGRAM = "import sys; print('%d.%d.%d' % sys.version_info[:3])"


async def find_python(requested: str, uv: str, env: Mapping[str, str]) -> str | None:
    """The path of a Python whose version is ``requested`` ("3.12" or "3.12.1"), or None."""
    found = await _output([uv, "python", "find", requested], env)
    if found:
        return found
    for candidate in pyenv_candidates(requested, env):
        version = await _output([str(candidate), "-c", VERSION_PROGRAM], env)
        if version is not None and matches(version, requested):
            return str(candidate)
    return None


def matches(version: str, requested: str) -> bool:
    return version == requested or version.startswith(requested + ".")


def pyenv_candidates(requested: str, env: Mapping[str, str]) -> list[Path]:
    """pyenv's installs of ``requested``, the newest patch release first."""
    root = Path(env.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    if not root.is_dir():
        return []
    minor = ".".join(requested.split(".")[:2])
    installs = [d for d in root.iterdir() if matches(d.name, requested)]
    installs.sort(key=lambda d: [int(p) if p.isdigit() else -1 for p in d.name.split(".")])
    return [
        d / "bin" / f"python{minor}"
        for d in reversed(installs)
        if os.access(d / "bin" / f"python{minor}", os.X_OK)
    ]


async def _output(argv: list[str], env: Mapping[str, str]) -> str | None:
    """What the command prints, or None when it fails or cannot be started."""
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            env=dict(env),
        )
    except OSError:
        return None
    out, _ = await process.communicate()
    text = out.decode(errors="replace").strip()
    return text if process.returncode == 0 and text else None
