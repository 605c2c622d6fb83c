"""One handle on the database: the engine and the repositories over it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from mimeo.store.accounts import AccountRepository
from mimeo.store.catalog import CatalogRepository
from mimeo.store.database import create_engine, migrate
from mimeo.store.deployments import DeploymentRepository
from mimeo.store.files import FileRepository
from mimeo.store.notifications import CredentialChanges
from mimeo.store.predictions import PredictionRepository
from mimeo.store.secrets import SecretRepository
from mimeo.store.tokens import TokenRepository
from mimeo.store.workers import WorkerRegistry


class Store:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.credentials = CredentialChanges()
        self.accounts = AccountRepository(engine, self.credentials)
        self.tokens = TokenRepository(engine, self.credentials)
        self.catalog = CatalogRepository(engine)
        self.predictions = PredictionRepository(engine)
        self.secrets = SecretRepository(engine)
        self.files = FileRepository(engine)
        self.deployments = DeploymentRepository(engine)
        self.workers = WorkerRegistry(engine)

    @classmethod
    async def open(cls, url: str) -> Store:
        engine = create_engine(url)
        await migrate(engine)
        return cls(engine)

    async def close(self) -> None:
        await self.engine.dispose()
