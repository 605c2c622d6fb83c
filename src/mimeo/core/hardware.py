"""Hardware SKUs: the names a model or deployment asks for, and what a node needs to offer one.

The names and display names are Replicate's, so code written against replicate.com keeps its
``hardware=`` values. A GPU SKU is matched by the GPU's product name (as ``nvidia-smi`` reports
it), a minimum of memory per GPU, and a count.
"""

from __future__ import annotations

from dataclasses import dataclass

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


def hardware_error(sku: str) -> FieldError | None:
    """The 422 entry for a SKU mimeo does not know, naming the ones it does."""
    if is_known(sku):
        return None
    return FieldError("hardware", f"unknown hardware {sku!r}; known SKUs: {known_skus()}")
