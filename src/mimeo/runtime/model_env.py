"""The environment a model process starts with: built from nothing, not filtered from mimeo's.

mimeo's own environment holds what a model must never see (``MIMEO_BOOTSTRAP_TOKEN``, the
worker token, cloud credentials for the blob store). Filtering it would let every variable
nobody thought of through; instead the model gets what running Python needs, what mimeo sets
for it, and the variables its ``mimeo.yaml`` names (``environment: [HF_TOKEN]``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from mimeo.runtime.model_options import RESERVED_PREFIX

HARMLESS = ("LANG", "LC_ALL", "LC_CTYPE", "TZ")
"""Taken from the host as they are: locale and time zone, which change how text and times
print, never what a model can reach."""
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"


def shared_paths(host: Mapping[str, str], asked: Sequence[str]) -> list[Path]:
    """What the operator hands a model through the variables it asked for (a weights directory
    in ``SDXL_TURBO_WEIGHTS``): the ones that name an existing absolute path, which the
    sandbox then shows the model, read-only."""
    found = []
    for name in asked:
        value = host.get(name, "")
        if not name.upper().startswith(RESERVED_PREFIX) and value.startswith("/"):
            path = Path(value)
            if path.exists():
                found.append(path)
    return found


def model_environment(
    host: Mapping[str, str],
    *,
    venv_bin: Path,
    scratch: Path,
    asked: Sequence[str] = (),
    fixed: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """``fixed`` (what mimeo sets: PORT, CUDA_VISIBLE_DEVICES, ...) wins over the host's.

    HOME and TMPDIR point at the instance's scratch directory, the one place besides its model
    directory a model may write: caches and temporary files stay with the instance.
    """
    passed = [n for n in (*HARMLESS, *asked) if not n.upper().startswith(RESERVED_PREFIX)]
    env = {name: host[name] for name in passed if name in host}
    env.update(
        {
            "PATH": f"{venv_bin}:{SYSTEM_PATH}",
            "VIRTUAL_ENV": str(venv_bin.parent),
            "HOME": str(scratch),
            "TMPDIR": str(scratch),
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(fixed or {})
    return env
