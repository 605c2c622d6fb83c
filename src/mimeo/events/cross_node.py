"""Changes made through other API nodes, heard with PostgreSQL ``LISTEN`` and told to this
node's bus: a client streaming or waiting here hears what a worker reported there; and changes
to credentials, which make this node forget the tokens it has cached.

The notice carries ids only; the prediction is read from the table, so what a subscriber gets is
what is committed. The listener keeps its own connection and comes back after losing it; what
it misses meanwhile costs latency, not correctness (streams, waits and claims re-check the
table on their own).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import asyncpg
import structlog

from mimeo.core.accounts import CREDENTIALS_CHANNEL
from mimeo.core.changes import CHANNEL, ChangeNotice
from mimeo.core.records import Prediction
from mimeo.events.bus import EventBus, PredictionEvent

log = structlog.get_logger()
LoadPrediction = Callable[[str], Awaitable[Prediction | None]]
"""Reads a prediction for a notice; None when it cannot now (a failed read costs latency)."""
RECONNECT_SECONDS = (0.5, 1.0, 2.0, 5.0)


def listen_dsn(database_url: str) -> str:
    """asyncpg takes the plain ``postgresql://`` form of SQLAlchemy's URL."""
    scheme, _, rest = database_url.partition("://")
    return f"postgresql://{rest}" if scheme.startswith("postgres") else database_url


class CrossNodeListener:
    """``forget_credentials`` runs when another node revoked a token, disabled an account or
    changed a membership, and on every (re)connection, for what was missed meanwhile."""

    def __init__(
        self,
        dsn: str,
        node: str,
        bus: EventBus,
        load: LoadPrediction,
        forget_credentials: Callable[[], None] = lambda: None,
    ) -> None:
        self._dsn = dsn
        self.node = node
        self._bus = bus
        self._load = load
        self._forget_credentials = forget_credentials
        self._handling: set[asyncio.Task[None]] = set()
        self.listening = asyncio.Event()

    async def run(self) -> None:
        failures = 0
        while True:
            try:
                await self._listen_until_lost()
                failures = 0
            except (OSError, asyncpg.PostgresError) as error:
                log.warning("events.listen_failed", error=f"{type(error).__name__}: {error}")
                failures += 1
            self.listening.clear()
            await asyncio.sleep(RECONNECT_SECONDS[min(failures, len(RECONNECT_SECONDS) - 1)])

    async def _listen_until_lost(self) -> None:
        connection = await asyncpg.connect(self._dsn)
        lost = asyncio.Event()
        connection.add_termination_listener(lambda _connection: lost.set())
        try:
            await connection.add_listener(CHANNEL, self._on_notice)
            await connection.add_listener(CREDENTIALS_CHANNEL, self._on_credentials)
            self._forget_credentials()
            self.listening.set()
            await lost.wait()
        finally:
            if not connection.is_closed():
                await connection.close()

    def _on_notice(self, _connection: object, _pid: int, _channel: str, payload: object) -> None:
        notice = ChangeNotice.parse(str(payload))
        if notice is None or notice.node == self.node:
            return
        task = asyncio.create_task(self._tell(notice))
        self._handling.add(task)
        task.add_done_callback(self._handling.discard)

    def _on_credentials(
        self, _connection: object, _pid: int, _channel: str, _payload: object
    ) -> None:
        self._forget_credentials()

    async def _tell(self, notice: ChangeNotice) -> None:
        prediction = await self._load(notice.prediction_id)
        if prediction is not None:
            self._bus.publish(PredictionEvent(prediction))
        if notice.frees_work:
            await self._bus.work_available()
