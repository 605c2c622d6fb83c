"""The ledger on the real databases: a charge happens once however often it is replayed, a
heartbeat's instance time is never charged twice even when two arrive together, and an upgrade
gives the accounts that existed before billing their starting credit."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy import select, text
from sqlalchemy.engine import Connection

from mimeo.billing import charge_instances
from mimeo.core.prices import PriceList
from mimeo.core.protocol import InstanceReport, WorkerStatus
from mimeo.core.records import Account
from mimeo.core.usage import EntryKind
from mimeo.store.database import alembic_config, create_engine
from mimeo.store.ledger import Entry, post
from mimeo.store.store import Store
from mimeo.store.tables import ledger

VERSION = "9" * 64
PRICES = PriceList({"cpu": 100})


async def test_a_replayed_charge_of_one_prediction_is_written_once(
    store: Store, account: Account
) -> None:
    charge = Entry(account.id, EntryKind.PREDICTION, -123, 1_234_567, prediction_id="p1")
    now = datetime.now(UTC)

    async with store.engine.begin() as conn:
        first = await post(conn, charge, now)
    async with store.engine.begin() as conn:
        again = await post(conn, charge, now)

    assert (first, again) == (True, False)
    assert await store.ledger.balance(account.id) == 5_000_000 - 123
    assert await store.ledger.charge_for("p1") == 123
    assert await store.ledger.charges_for(["p1", "p2"]) == {"p1": 123}


async def test_two_heartbeats_at_once_charge_an_instances_time_once(
    store: Store, account: Account
) -> None:
    model = await store.catalog.create_model(account.id, "alice", "secret", visibility="private")
    await store.catalog.add_version(
        model, VERSION, cog_version="0.16.9", openapi_schema={}, build={}, archive_key="a"
    )
    since = datetime(2030, 1, 1, tzinfo=UTC)
    instance = InstanceReport(version=VERSION, hardware="cpu", state="idle", since=since)
    status = WorkerStatus(
        worker_id="w1", hardware=["cpu"], cpus=1, memory_bytes=1, gpus=0, max_instances=1
    ).model_copy(update={"instances": [instance]})
    await charge_instances(store.engine, status, since + timedelta(seconds=5), PRICES)

    await asyncio.gather(
        *(
            charge_instances(store.engine, status, since + timedelta(seconds=s), PRICES)
            for s in (9, 12)
        )
    )

    async with store.engine.connect() as conn:
        durations = (
            await conn.execute(select(ledger.c.duration_us).where(ledger.c.kind == "instance"))
        ).scalars()
        assert sum(durations) == 12_000_000
    assert await store.ledger.balance(account.id) == 5_000_000 - 1_200


async def test_an_upgrade_grants_the_accounts_already_there_their_starting_credit(
    new_database_url: str,
) -> None:
    engine = create_engine(new_database_url)
    config = alembic_config(new_database_url)

    def before_billing(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, "0005")
        connection.execute(
            text(
                "INSERT INTO accounts (username, name, type, created_at) "
                "VALUES ('old', 'old', 'user', CURRENT_TIMESTAMP)"
            )
        )

    async with engine.begin() as conn:
        await conn.run_sync(before_billing)
    await engine.dispose()

    store = await Store.open(new_database_url)
    try:
        old = await store.accounts.by_username("old")
        assert old is not None
        summary = await store.ledger.summary(old.id)
    finally:
        await store.close()
    assert (summary.balance_micros, summary.granted_micros, summary.spent_micros) == (
        5_000_000,
        5_000_000,
        0,
    )
