"""One handle on the database: the engine and the repositories over it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from mimeo.core.money import parse_dollars
from mimeo.core.prices import DEFAULT_STARTING_CREDIT
from mimeo.store.accounts import AccountRepository
from mimeo.store.catalog import CatalogRepository
from mimeo.store.collections import CollectionRepository
from mimeo.store.database import create_engine, migrate
from mimeo.store.deployments import DeploymentRepository
from mimeo.store.examples import ExampleRepository
from mimeo.store.files import FileRepository
from mimeo.store.ledger import LedgerRepository
from mimeo.store.notifications import CredentialChanges
from mimeo.store.predictions import PredictionRepository
from mimeo.store.sealing import InputSealer
from mimeo.store.search import CatalogueSearch
from mimeo.store.secrets import SecretRepository
from mimeo.store.tokens import TokenRepository
from mimeo.store.workers import WorkerRegistry

STARTING_CREDIT = parse_dollars(DEFAULT_STARTING_CREDIT)


class Store:
    def __init__(self, engine: AsyncEngine, starting_credit_micros: int = STARTING_CREDIT) -> None:
        self.engine = engine
        self.credentials = CredentialChanges()
        self.accounts = AccountRepository(engine, self.credentials, starting_credit_micros)
        self.tokens = TokenRepository(engine, self.credentials)
        self.ledger = LedgerRepository(engine)
        self.catalog = CatalogRepository(engine)
        self.predictions = PredictionRepository(engine)
        self.secrets = SecretRepository(engine)
        self.sealer = InputSealer(self.secrets)
        self.files = FileRepository(engine)
        self.deployments = DeploymentRepository(engine)
        self.workers = WorkerRegistry(engine)
        self.collections = CollectionRepository(engine)
        self.examples = ExampleRepository(engine)
        self.search = CatalogueSearch(engine)

    @classmethod
    async def open(cls, url: str, starting_credit_micros: int = STARTING_CREDIT) -> Store:
        engine = create_engine(url)
        await migrate(engine)
        return cls(engine, starting_credit_micros)

    async def close(self) -> None:
        await self.engine.dispose()
