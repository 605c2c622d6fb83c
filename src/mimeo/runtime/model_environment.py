"""cog.yaml's ``environment:``: the variables a model's process starts with.

Cog refuses, at build time, entries that are not ``KEY=VALUE``, names given twice, and names it
reserves for the platform (paths, CUDA, Replicate's own); mimeo refuses the same ones, so a
cog.yaml is accepted here exactly when ``cog build`` accepts it. The reserved names matter more
without containers than with them: ``PATH`` or ``VIRTUAL_ENV`` from a model would point coglet
at another interpreter.
"""

from __future__ import annotations

RESERVED = (
    "PATH",
    "LD_LIBRARY_PATH",
    "PYTHONPATH",
    "VIRTUAL_ENV",
    "PYTHONUNBUFFERED",
    "R8_*",
    "REPLICATE_*",
    "LIBRARY_PATH",
    "CUDA_*",
    "NVIDIA_*",
    "NV_*",
    "PGET_*",
    "HF_ENDPOINT",
    "HF_HUB_ENABLE_HF_TRANSFER",
    "KUBERNETES_*",
)
"""Cog's deny list (``pkg/config/env.go``): a trailing ``*`` reserves every name it begins."""


def is_reserved(name: str) -> bool:
    return any(
        name.startswith(pattern[:-1]) if pattern.endswith("*") else name == pattern
        for pattern in RESERVED
    )


def parse_environment(entries: list[str]) -> dict[str, str]:
    """``["NAME=value", ...]`` as a mapping; ``ValueError`` names the first bad entry."""
    variables: dict[str, str] = {}
    for entry in entries:
        name, separator, value = entry.partition("=")
        if not separator or not name:
            raise ValueError(f"environment variable {entry!r} is not in the KEY=VALUE format")
        if is_reserved(name):
            raise ValueError(
                f"environment variable {name!r} is not allowed: reserved for internal use"
            )
        if name in variables:
            raise ValueError(f"environment variable {name!r} is already defined")
        variables[name] = value
    return variables
