"""What every request handler needs, built once per app and reached through dependencies."""

from __future__ import annotations

from dataclasses import dataclass

from mimeo.events import EventBus
from mimeo.queue import PredictionQueue
from mimeo.settings import Settings
from mimeo.storage import LocalBlobStore
from mimeo.store.store import Store


@dataclass
class AppContext:
    settings: Settings
    store: Store
    queue: PredictionQueue
    bus: EventBus
    blobs: LocalBlobStore
    worker_token: str
