"""Show a node's inventory and the SKUs it offers, so an operator can check a GPU box before
it joins: a card that doesn't show up here won't be given to a model either."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from mimeo.core.hardware import BY_SKU, offered_skus
from mimeo.worker.hardware import Inventory

MIB = 1024 * 1024


def show_inventory(console: Console, inventory: Inventory) -> None:
    memory_gib = inventory.memory_bytes / (1024 * MIB)
    console.print(f"CPUs: {inventory.cpus}    Memory: {memory_gib:.1f} GiB")

    gpus = Table("Index", "GPU", "Memory (MiB)", title="GPUs")
    for gpu in inventory.gpus:
        gpus.add_row(str(gpu.index), gpu.name, str(gpu.memory_mib))
    if inventory.gpus:
        console.print(gpus)
    else:
        console.print("GPUs: none found")

    skus = Table("SKU", "Name", title="Offered hardware")
    for sku in offered_skus(inventory.gpus):
        skus.add_row(sku, BY_SKU[sku].name)
    console.print(skus)
