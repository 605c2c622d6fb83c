"""Hardware SKUs: the names a model or deployment asks for, and what a node needs to offer one.

The names and display names are Replicate's, so code written against replicate.com keeps its
``hardware=`` values. A GPU SKU is matched by the GPU's product name (as ``nvidia-smi`` reports
it), a minimum of memory per GPU, and a count.

Matching is pure: the worker detects its GPUs (``mimeo.worker.hardware``) and hands anything with
an ``index``, a ``name`` and a ``memory_mib`` to ``offered_skus`` and ``pick_devices``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from mimeo.core.errors import FieldError

CPU = "cpu"


@dataclass(frozen=True)
class Sku:
    sku: str
    name: str
    gpu_family: str | None = None
    """A word in the GPU's product name (``T4`` matches ``Tesla T4``); None for CPU-only."""
    gpu_count: int = 0
    min_gpu_memory_mib: int = 0


SKUS: tuple[Sku, ...] = (
    Sku(CPU, "CPU"),
    Sku("gpu-t4", "Nvidia T4 GPU", "T4", 1),
    Sku("gpu-a40-small", "Nvidia A40 GPU", "A40", 1),
    Sku("gpu-a40-large", "Nvidia A40 (Large) GPU", "A40", 1),
    Sku("gpu-l40s", "Nvidia L40S GPU", "L40S", 1),
    Sku("gpu-l40s-2x", "2x Nvidia L40S GPU", "L40S", 2),
    Sku("gpu-a100-large", "Nvidia A100 (80GB) GPU", "A100", 1, 70_000),
    Sku("gpu-a100-large-2x", "2x Nvidia A100 (80GB) GPU", "A100", 2, 70_000),
    Sku("gpu-h100", "Nvidia H100 GPU", "H100", 1),
    Sku("gpu-h100-2x", "2x Nvidia H100 GPU", "H100", 2),
)
BY_SKU = {sku.sku: sku for sku in SKUS}


def is_known(sku: str) -> bool:
    return sku in BY_SKU


def known_skus() -> str:
    return ", ".join(BY_SKU)


class GpuLike(Protocol):
    """What matching needs to know of a GPU; the worker's ``Gpu`` is one, so core needn't
    import the worker. Read-only, so frozen dataclasses qualify."""

    @property
    def index(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def memory_mib(self) -> int: ...


def _words(name: str) -> list[str]:
    """``NVIDIA A100-SXM4-80GB`` → ``["nvidia", "a100", "sxm4", "80gb"]``."""
    return re.split(r"[^0-9a-z]+", name.lower())


def fits(sku: Sku, gpu: GpuLike) -> bool:
    """Whether one GPU can be one of ``sku``'s GPUs.

    The family must be a whole word of the product name, not any substring: ``A40`` is inside
    ``NVIDIA RTX A4000``, a 16 GB workstation card that is no A40.
    """
    if sku.gpu_family is None:
        return False
    return sku.gpu_family.lower() in _words(gpu.name) and gpu.memory_mib >= sku.min_gpu_memory_mib


def pick_devices(sku: str, free: Sequence[GpuLike]) -> list[int] | None:
    """The GPU indices to give one instance of ``sku`` out of the ``free`` ones: ``[]`` for CPU,
    None when they can't serve it (too few fitting GPUs, or a SKU we don't know).

    The lowest fitting indices are taken, so an operator can tell which cards a model lands on.
    """
    wanted = BY_SKU.get(sku)
    if wanted is None:
        return None
    if wanted.gpu_count == 0:
        return []
    fitting = sorted(gpu.index for gpu in free if fits(wanted, gpu))
    if len(fitting) < wanted.gpu_count:
        return None
    return fitting[: wanted.gpu_count]


def offered_skus(gpus: Sequence[GpuLike]) -> list[str]:
    """The SKUs a node with these GPUs can serve, in catalogue order; always ``cpu``.

    Defined by ``pick_devices`` so that what a node advertises is exactly what it can place.
    """
    return [sku.sku for sku in SKUS if pick_devices(sku.sku, gpus) is not None]


def hardware_error(sku: str) -> FieldError | None:
    """The 422 entry for a SKU mimeo does not know, naming the ones it does."""
    if is_known(sku):
        return None
    return FieldError("hardware", f"unknown hardware {sku!r}; known SKUs: {known_skus()}")
