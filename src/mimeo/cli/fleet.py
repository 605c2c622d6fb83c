"""``mimeo workers``: the fleet registry as a table, for an operator checking what runs where."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.table import Table


def _age(moment: str, now: datetime) -> str:
    seconds = (now - datetime.fromisoformat(moment.replace("Z", "+00:00"))).total_seconds()
    return f"{max(0.0, seconds):.0f} s ago"


def _instances(instances: list[dict[str, Any]]) -> str:
    if not instances:
        return "-"
    lines = []
    for instance in instances:
        warm = f" for {instance['deployment']}" if instance.get("deployment") else ""
        lines.append(
            f"{instance['version'][:12]} on {instance['hardware']}: {instance['state']}{warm}"
        )
    return "\n".join(lines)


def show_workers(console: Console, answer: dict[str, Any]) -> None:
    now = datetime.now(UTC)
    table = Table("Worker", "Hardware", "CPUs", "GPUs", "Instances", "Heard", title="Workers")
    for worker in answer["results"]:
        table.add_row(
            worker["id"],
            ", ".join(worker["hardware"]),
            str(worker["cpus"]),
            str(worker["gpus"]),
            _instances(worker["instances"]),
            _age(worker["heartbeat_at"], now),
        )
    console.print(table if answer["results"] else "No workers in the fleet registry.")
