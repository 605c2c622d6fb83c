"""``GET /v1/hardware`` through the official client: Replicate's whole SKU catalogue."""

from __future__ import annotations

import replicate

from mimeo.core.hardware import SKUS


def test_hardware_list_is_the_whole_catalogue(client: replicate.Client) -> None:
    listed = [(hardware.sku, hardware.name) for hardware in client.hardware.list()]

    assert listed == [(sku.sku, sku.name) for sku in SKUS]


def test_hardware_list_names_replicates_skus(client: replicate.Client) -> None:
    skus = {hardware.sku for hardware in client.hardware.list()}

    assert {"cpu", "gpu-t4", "gpu-a100-large", "gpu-h100"} <= skus
