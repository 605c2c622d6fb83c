"""The Debian packages the bundled library needs, installed by the two set-up commands.

``make serve`` and ``make test`` both run ``mimeo system-packages --install`` (and ``.ci/run``
runs ``make test``), so no set-up step lives only in CI. What is wanted is read from the same
places mimeo reads at run time: each example's ``cog.yaml`` ``system_packages`` and the
checkout's ``system-packages.txt`` (what mimeo itself uses, such as the model sandbox). Where
they cannot be installed (no root, no passwordless sudo), each left-out part is named in one line
with the command that fixes it; ``--strict`` (``make test``) then fails instead of letting the
tests that need them skip in silence.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml
from rich.console import Console

from mimeo.runtime.cog_config import BuildConfig, parse_cog_yaml
from mimeo.runtime.system_packages import missing_system_packages

OWN_PACKAGES_FILE = "system-packages.txt"
DEV_PACKAGES_FILE = "system-packages-dev.txt"
"""What only the tests use (the browser the web UI's tests drive): ``make test`` asks for it
with ``--dev``; ``make serve`` never installs it."""


@dataclass(frozen=True)
class Need:
    """Who needs which packages: an example's name, or mimeo's own list."""

    who: str
    packages: tuple[str, ...]


def listed(path: Path) -> tuple[str, ...]:
    """The packages of a list file: one a line, ``#`` comments."""
    if not path.is_file():
        return ()
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return tuple(line for line in lines if line)


def needs(examples: Path, *, dev: bool = False) -> list[Need]:
    found: list[Need] = []
    for who, name in (("mimeo", OWN_PACKAGES_FILE), ("mimeo tests", DEV_PACKAGES_FILE)):
        if name == DEV_PACKAGES_FILE and not dev:
            continue
        packages = listed(examples.parent / name)
        if packages:
            found.append(Need(who, packages))
    for cog_yaml in sorted(examples.glob("*/cog.yaml")):
        try:
            build = BuildConfig.model_validate(parse_cog_yaml(cog_yaml.read_text()).get("build"))
        except (yaml.YAMLError, ValueError):
            continue  # the push of that example says what is wrong with it
        if build.system_packages:
            found.append(Need(f"examples/{cog_yaml.parent.name}", tuple(build.system_packages)))
    return found


def fix_command(packages: list[str]) -> str:
    return "sudo apt-get install -y --no-install-recommends " + " ".join(packages)


def left_out_line(need: Need, missing: list[str]) -> str:
    """The one line a user reads when a part of the library cannot run on this machine."""
    return (
        f"{need.who} left out: missing system packages {' '.join(missing)}; "
        f"fix: {fix_command(missing)}"
    )


def installer() -> list[str] | None:
    """How this user may install Debian packages without a prompt, if at all."""
    if shutil.which("apt-get") is None:
        return None
    if os.geteuid() == 0:
        return []
    sudo = shutil.which("sudo")
    if sudo is not None:
        probe = subprocess.run([sudo, "-n", "true"], capture_output=True, check=False)
        if probe.returncode == 0:
            return [sudo, "-n"]
    return None


def install(prefix: list[str], packages: list[str], console: Console) -> bool:
    console.print(f"installing system packages: {' '.join(packages)}")
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    steps = (
        [*prefix, "apt-get", "update", "-qq"],
        [*prefix, "apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
    )
    for step in steps:
        result = subprocess.run(step, env=environment, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            console.print(f"[red]{' '.join(step)} failed:[/] {result.stderr.strip()[-500:]}")
            return False
    return True


async def missing_per_need(wanted: list[Need]) -> list[tuple[Need, list[str]]] | None:
    everything = sorted({package for need in wanted for package in need.packages})
    missing = await missing_system_packages(everything)
    if missing is None:
        return None
    return [
        (need, [p for p in need.packages if p in missing])
        for need in wanted
        if any(p in missing for p in need.packages)
    ]


def ensure_system_packages(
    examples: Path, console: Console, *, may_install: bool, dev: bool = False
) -> list[str]:
    """Install what is missing when allowed; the lines naming what is still left out."""
    wanted = needs(examples, dev=dev)
    gaps = asyncio.run(missing_per_need(wanted))
    if gaps is None:
        everything = " ".join(sorted({p for need in wanted for p in need.packages}))
        console.print(f"no dpkg here: make sure these system packages are present: {everything}")
        return []
    if gaps and may_install:
        prefix = installer()
        if prefix is not None:
            packages = sorted({p for _need, missing in gaps for p in missing})
            if install(prefix, packages, console):
                gaps = asyncio.run(missing_per_need(wanted)) or []
    return [left_out_line(need, missing) for need, missing in gaps]
