"""``mimeo usage`` and ``mimeo credit``: billing answers as tables for a person at a terminal."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table


def show_usage(console: Console, usage: dict[str, Any], billing: dict[str, Any]) -> None:
    key = usage["group_by"]
    table = Table(key.capitalize(), "Seconds", "Amount (USD)", "Count", title="Usage")
    for line in usage["results"]:
        table.add_row(line[key] or "-", line["seconds"], line["amount"], str(line["count"]))
    total = usage["total"]
    table.add_section()
    table.add_row("total", total["seconds"], total["amount"], str(total["count"]))
    console.print(table if usage["results"] else "No usage yet.")
    show_balance(console, billing)


def show_balance(console: Console, billing: dict[str, Any]) -> None:
    console.print(
        f"{billing['username']}: balance [bold]${billing['balance']}[/] "
        f"(credit ${billing['credit_granted']}, spent ${billing['spent']})",
        highlight=False,
    )
