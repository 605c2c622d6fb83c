"""A ``201`` means the prediction is committed: ``mimeo serve`` killed with SIGKILL right after
answering loses none of the predictions it accepted, and each of them runs after a restart and
is charged once (the kill lands while the first ones complete).

On SQLite (the data dir's file) always, and on PostgreSQL when ``MIMEO_TEST_DATABASE_URL`` names
a server. What makes the hot path fast (SQLite on the loop's thread, no empty re-claim, ...) must
never move the commit after the answer: this is the test that says so.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, running_server
from tests.databases import create_database, drop_database
from tests.e2e.crashes import LEASE, tracked

pytestmark = pytest.mark.slow
ACCEPTED = 10


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_env(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """The server's environment for its database: the data dir's SQLite file, or a PostgreSQL
    database of this test's own."""
    if request.param == "sqlite":
        yield {}
        return
    server = os.environ.get("MIMEO_TEST_DATABASE_URL")
    if not server:
        pytest.skip("MIMEO_TEST_DATABASE_URL is not set: no PostgreSQL server to test against")
    name = f"mimeo_durable_{uuid.uuid4().hex}"
    url = asyncio.run(create_database(server, name))
    try:
        yield {"MIMEO_DATABASE_URL": url}
    finally:
        asyncio.run(drop_database(server, name))


def test_predictions_answered_201_survive_a_kill_9_right_after_the_answer(
    tmp_path: Path, env_dir: Path, database_env: dict[str, str]
) -> None:
    env = {**LEASE, **database_env}
    created: list[str] = []
    with (
        running_server(tmp_path, env_dir, "--examples", "none", **env) as first,
        tracked(first, created) as before,
    ):
        first.push(FIXTURES / "sleep-logs", "durable/sleep")
        for _ in range(ACCEPTED):
            before.create("durable/sleep", 0)
        first.process.kill()  # the moment the last 201 is read
        first.process.wait()

    with (
        running_server(tmp_path, env_dir, "--examples", "none", **env) as second,
        tracked(second, created) as after,
    ):
        final = after.settled()
        with second.http() as http:
            usage = http.get("/v1/billing/usage", params={"group_by": "model"}).json()

    assert len(created) == ACCEPTED
    assert usage["total"]["count"] == ACCEPTED
    assert {p.id: p.status for p in final.values()} == dict.fromkeys(created, "succeeded")
