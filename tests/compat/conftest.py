"""The reference: the same fixture predictor on the bare Cog server (coglet), no mimeo between.

Each fixture gets its own Cog server, started the way mimeo's worker starts one (``prepare``
then ``CogInstance.start``), and is asked over plain HTTP, as Cog's own clients ask it.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mimeo.runtime.environment import EnvironmentBuilder
from mimeo.runtime.instance import CogInstance
from mimeo.runtime.prepare import prepare
from tests.conftest import FIXTURES, MimeoServer

AT_CAPACITY_RETRY_SECONDS = 0.05
AT_CAPACITY_MAX_WAIT_SECONDS = 10.0


class BareCog:
    """``bare_cog.predict(fixture, input)``: one prediction on that fixture's own Cog server."""

    def __init__(self, env_dir: Path, scratch: Path) -> None:
        self._builder = EnvironmentBuilder(env_dir)
        self._scratch = scratch
        self._runner = asyncio.Runner()
        self._instances: dict[str, CogInstance] = {}

    def answer(self, fixture: str, payload: dict[str, Any]) -> httpx.Response:
        """The Cog server's HTTP answer to one prediction, a 422 included."""
        url = f"http://127.0.0.1:{self._instance(fixture).port}/predictions"
        give_up = time.monotonic() + AT_CAPACITY_MAX_WAIT_SECONDS
        while True:
            answer = httpx.post(url, json={"input": payload}, timeout=60)
            if answer.status_code != 409 or time.monotonic() > give_up:
                return answer
            time.sleep(AT_CAPACITY_RETRY_SECONDS)  # coglet frees its slot just after answering

    def predict(self, fixture: str, payload: dict[str, Any]) -> dict[str, Any]:
        """The whole prediction object the Cog server answers with."""
        body: dict[str, Any] = self.answer(fixture, payload).raise_for_status().json()
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


def attempt_push(server: MimeoServer, model: Path, name: str) -> subprocess.CompletedProcess[str]:
    """``mimeo push`` as a user runs it, for a push that may fail: its exit code and output."""
    return subprocess.run(
        [sys.executable, "-m", "mimeo", "push", str(model), "--model", name],
        env={**server.env, "MIMEO_SERVER": server.url, "MIMEO_API_TOKEN": server.token},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
