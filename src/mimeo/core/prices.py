"""What each hardware SKU costs per second of use, in micro-dollars.

The defaults are Replicate's public list prices; an operator overrides any of them with
``MIMEO_PRICES`` (see ``Settings.prices``). A SKU missing from the list costs nothing: mimeo
never refuses work for want of a price.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from mimeo.core.hardware import BY_SKU, CPU, known_skus
from mimeo.core.money import charge_micros

DEFAULT_PRICES_PER_SECOND: dict[str, str] = {
    CPU: "0.000100",
    "gpu-t4": "0.000225",
    "gpu-a40-small": "0.000575",
    "gpu-a40-large": "0.000725",
    "gpu-l40s": "0.000975",
    "gpu-l40s-2x": "0.001950",
    "gpu-a100-large": "0.001400",
    "gpu-a100-large-2x": "0.002800",
    "gpu-h100": "0.001525",
    "gpu-h100-2x": "0.003050",
}
"""Dollars per second, as Replicate lists them."""

DEFAULT_STARTING_CREDIT = "5.00"
"""What a new account may spend before it needs more credit, as on replicate.com."""


@dataclass(frozen=True)
class PriceList:
    micros_per_second: Mapping[str, int] = field(default_factory=dict)

    def price(self, hardware: str) -> int:
        return self.micros_per_second.get(hardware, 0)

    def cost(self, hardware: str, duration_us: int) -> int:
        return charge_micros(duration_us, self.price(hardware))


def unknown_skus(prices: Mapping[str, object]) -> str | None:
    """The message for a price list naming SKUs mimeo does not know (a typo bills nothing)."""
    unknown = sorted(set(prices) - set(BY_SKU))
    if not unknown:
        return None
    return f"unknown hardware {', '.join(unknown)}; known SKUs: {known_skus()}"
