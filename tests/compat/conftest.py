"""The reference: the same fixture predictor on the bare Cog server (coglet), no mimeo between.

Each fixture gets its own Cog server, started the way mimeo's worker starts one (``prepare``
then ``CogInstance.start``), and is asked over plain HTTP, as Cog's own clients ask it.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mimeo.runtime.environment import EnvironmentBuilder
from mimeo.runtime.instance import CogInstance
from mimeo.runtime.prepare import prepare
from tests.conftest import FIXTURES

AT_CAPACITY_RETRY_SECONDS = 0.05
AT_CAPACITY_MAX_WAIT_SECONDS = 10.0


class BareCog:
    """``bare_cog.predict(fixture, input)``: one prediction on that fixture's own Cog server."""

    def __init__(self, env_dir: Path, scratch: Path) -> None:
        self._builder = EnvironmentBuilder(env_dir)
        self._scratch = scratch
        self._runner = asyncio.Runner()
        self._instances: dict[str, CogInstance] = {}

    def predict(self, fixture: str, payload: dict[str, Any]) -> dict[str, Any]:
        """The whole prediction object the Cog server answers with."""
        url = f"http://127.0.0.1:{self._instance(fixture).port}/predictions"
        give_up = time.monotonic() + AT_CAPACITY_MAX_WAIT_SECONDS
        while True:
            answer = httpx.post(url, json={"input": payload}, timeout=60)
            if answer.status_code != 409 or time.monotonic() > give_up:
                break
            time.sleep(AT_CAPACITY_RETRY_SECONDS)  # coglet frees its slot just after answering
        answer.raise_for_status()
        body: dict[str, Any] = answer.json()
        return body

    def output(self, fixture: str, payload: dict[str, Any]) -> Any:
        """The output of a prediction that must succeed."""
        body = self.predict(fixture, payload)
        assert body["status"] == "succeeded", body
        return body["output"]

    def close(self) -> None:
        for instance in self._instances.values():
            self._runner.run(instance.stop())
        self._runner.close()

    def _instance(self, fixture: str) -> CogInstance:
        if fixture not in self._instances:
            self._instances[fixture] = self._runner.run(self._start(fixture))
        return self._instances[fixture]

    async def _start(self, fixture: str) -> CogInstance:
        model_dir = self._scratch / fixture  # prepare() writes .cog/ into the model directory
        shutil.copytree(FIXTURES / fixture, model_dir)
        prepared = await prepare(model_dir, self._builder)
        assert prepared.config.predict
        instance = CogInstance(
            model_dir, prepared.environment, prepared.config.predict, model_dir / "cog.log"
        )
        await instance.start()
        return instance


@pytest.fixture(scope="session")
def bare_cog(env_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BareCog]:
    """Bare Cog servers, one per fixture asked for, all stopped at the end of the session."""
    servers = BareCog(env_dir, tmp_path_factory.mktemp("bare-cog"))
    try:
        yield servers
    finally:
        servers.close()


Push = Callable[[str], str]
