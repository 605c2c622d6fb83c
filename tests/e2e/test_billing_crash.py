"""Charges survive a crash: ``mimeo serve`` killed with SIGKILL while its predictions are
completing, then restarted on the same data, has charged every prediction exactly once, each
its ``predict_time`` at the CPU price, and the balance moved by exactly their sum. The CLI's
``mimeo usage`` and ``mimeo credit add`` read and move the same numbers.

SQLite; ``test_accepted_is_durable`` counts the charges across a kill on PostgreSQL too, and
``tests/store/test_ledger.py`` holds the charge-once key on both databases.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mimeo.cli.app import app as cli
from mimeo.core.money import charge_micros, format_dollars, microseconds
from tests.conftest import FIXTURES, MimeoServer, running_server
from tests.e2e.crashes import LEASE, assert_no_orphans, model_processes, tracked
from tests.waiting import eventually

pytestmark = pytest.mark.slow
PREDICTIONS = 6
CPU_MICROS_PER_SECOND = 100


def mimeo(server: MimeoServer, *args: str) -> str:
    """The CLI in this process: its answers are what count, not its start-up time."""
    result = CliRunner().invoke(cli, [*args, "--server", server.url])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_predictions_completing_across_a_kill_9_are_each_charged_once(
    tmp_path: Path, env_dir: Path
) -> None:
    created: list[str] = []
    with (
        running_server(tmp_path, env_dir, "--examples", "none", **LEASE) as first,
        tracked(first, created) as before,
    ):
        first.push(FIXTURES / "sleep-logs", "billing/sleep")
        for _ in range(PREDICTIONS):
            before.create("billing/sleep", 0.3)
        eventually(
            lambda: sum(before.get(i).status == "succeeded" for i in created) >= 2,
            "some predictions to complete",
        )
        orphans = sorted(model_processes(first.process.pid))
        first.process.kill()  # while the others are completing, one after the other
        first.process.wait()
    assert_no_orphans(orphans)

    with (
        running_server(tmp_path, env_dir, "--examples", "none", **LEASE) as second,
        tracked(second, created) as after,
    ):
        final = after.settled()
        usage = json.loads(
            mimeo(second, "usage", "--group-by", "model", "--json", "--token", second.token)
        )
        taken_back = mimeo(second, "credit", "add", "admin", "-0.50", "--token", second.token)
        table = mimeo(second, "usage", "--token", second.token)

    assert {p.status for p in final.values()} == {"succeeded"}
    spent = sum(
        charge_micros(microseconds(p.metrics["predict_time"]), CPU_MICROS_PER_SECOND)
        for p in final.values()
        if p.metrics is not None
    )
    assert spent > 0
    [line] = usage["results"]
    assert (line["model"], line["count"], line["amount"]) == (
        "billing/sleep",
        PREDICTIONS,
        format_dollars(spent),
    )
    assert usage["billing"]["spent"] == format_dollars(spent)
    assert usage["billing"]["balance"] == format_dollars(5_000_000 - spent)
    assert f"balance ${format_dollars(4_500_000 - spent)}" in taken_back
    assert format_dollars(spent) in table
