"""The machine's pip configuration, handed to uv.

uv reads none of pip's configuration, yet that is where a machine says where its wheels are
(a local CPU torch, a corporate mirror, a constraints file). Without it uv would resolve torch to
several GB of CUDA wheels. Environment variables win over files, as they do for pip.

pip merges every index it is given and takes the best match across all of them; uv by default
stops at the first index that has a package at all, so ``pillow==10.4.0`` fails when an extra
index holds only other pillows. With several indexes from pip's configuration uv is told to
resolve as pip does (``--index-strategy unsafe-best-match``), unless ``UV_INDEX_STRATEGY`` says
otherwise.
"""

from __future__ import annotations

import configparser
import os
import shlex
from dataclasses import dataclass, field
from pathlib import Path

CONFIG_FILES = (
    Path("/etc/pip.conf"),
    Path("/etc/xdg/pip/pip.conf"),
    Path.home() / ".pip" / "pip.conf",
    Path.home() / ".config" / "pip" / "pip.conf",
)


@dataclass(frozen=True)
class PipConfig:
    index_url: str | None = None
    extra_index_urls: tuple[str, ...] = ()
    find_links: tuple[str, ...] = ()
    constraints: tuple[str, ...] = field(default=())
    index_strategy: str | None = None
    """``UV_INDEX_STRATEGY`` when set: an operator's explicit choice for uv wins."""

    def uv_arguments(self) -> list[str]:
        arguments: list[str] = []
        if self.index_url:
            arguments += ["--index-url", self.index_url]
        for url in self.extra_index_urls:
            arguments += ["--extra-index-url", url]
        if self.extra_index_urls and self.index_strategy is None:
            arguments += ["--index-strategy", "unsafe-best-match"]
        for link in self.find_links:
            arguments += ["--find-links", link]
        for constraint in self.constraints:
            arguments += ["--constraint", constraint]
        return arguments

    def fingerprint(self) -> str:
        return repr(self)


def read_pip_config(
    environ: dict[str, str] | None = None, files: tuple[Path, ...] = CONFIG_FILES
) -> PipConfig:
    env = dict(os.environ if environ is None else environ)
    parser = configparser.ConfigParser()
    config_file = env.get("PIP_CONFIG_FILE")
    parser.read([*files, *([config_file] if config_file else [])])

    def setting(name: str) -> list[str]:
        raw = env.get(f"PIP_{name.upper().replace('-', '_')}")
        if raw is None:
            for section in ("install", "global"):
                if parser.has_option(section, name):
                    raw = parser.get(section, name)
                    break
        return shlex.split(raw) if raw else []

    index = setting("index-url")
    existing = tuple(c for c in setting("constraint") if Path(c).is_file())
    return PipConfig(
        index_url=index[0] if index else None,
        extra_index_urls=tuple(u for u in setting("extra-index-url") if _reachable(u)),
        find_links=tuple(link for link in setting("find-links") if _reachable(link)),
        constraints=existing,
        index_strategy=env.get("UV_INDEX_STRATEGY"),
    )


def _reachable(location: str) -> bool:
    """Drop local indexes that are not on this machine: uv fails hard where pip only warns."""
    if location.startswith("file://"):
        return Path(location.removeprefix("file://")).exists()
    if "://" not in location:
        return Path(location).exists()
    return True
