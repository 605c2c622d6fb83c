"""One running Cog server (``python -m cog.server.http``) for one model version.

The server runs under ``mimeo.runtime.guard``, which leads the instance's process group and kills
all of it when mimeo exits, however it exits: a killed worker or server leaves no model process
behind.

With a ``ModelBox`` (the worker's instances), the server runs inside the host's boundary for model
code (``mimeo.runtime.sandbox``) with an environment of its own (``mimeo.runtime.model_env``).
The venv's ``bin`` goes first on ``PATH`` because coglet spawns its worker as ``python`` from PATH.
cog.yaml's ``environment:`` is what Cog bakes into the image, so it is set here for every way an
instance starts (worker, ``mimeo predict``); it overrides the host's variables and mimeo's
defaults (thread counts), and cannot touch what the platform sets, as Cog reserves those names.
Predictions are sent with ``Accept: text/event-stream`` so output and logs arrive as deltas while
the model runs, over mimeo's own kept-alive connections (``cog_wire``); everything else goes
through httpx. coglet answers 409 for a moment after each prediction while it frees the slot:
that is retried, never reported as a failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import sys
from collections.abc import AsyncGenerator, AsyncIterator
from pathlib import Path
from typing import Any

import httpx

from mimeo.core.errors import MimeoError
from mimeo.runtime.cog_config import CogConfig
from mimeo.runtime.cog_events import CogEvent, Completed, Log, Started, clean_error, parse_event
from mimeo.runtime.cog_wire import CogWire, WireResponse
from mimeo.runtime.coglet_logs import LogTail
from mimeo.runtime.environment import Environment
from mimeo.runtime.http_response import ResponseError
from mimeo.runtime.model_env import model_environment, shared_paths
from mimeo.runtime.sandbox import ModelBox

SETUP_TIMEOUT_SECONDS = 600.0
LOG_POLL_SECONDS = 0.25
"""How often a training's log lines are looked for while it runs."""
AT_CAPACITY_RETRY_SECONDS = 0.002
AT_CAPACITY_MAX_WAIT_SECONDS = 30.0
NODELAY = (socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
GUARD_PYTHONPATH = str(Path(__file__).resolve().parents[2])
"""Where ``mimeo`` is importable from, for the guard only: it drops it for the server."""


class SetupFailed(MimeoError):
    status = 500
    title = "Model setup failed"

    def __init__(self, detail: str, logs: str = "") -> None:
        super().__init__(detail)
        self.logs = logs


class InstanceDied(MimeoError):
    status = 500
    title = "Model process died"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class CogInstance:
    def __init__(
        self,
        model_dir: Path,
        environment: Environment,
        predict_ref: str,
        log_path: Path,
        *,
        extra_env: dict[str, str] | None = None,
        box: ModelBox | None = None,
        training: bool = False,
    ) -> None:
        """Without ``box`` the server runs as ``cog predict`` would, with mimeo's environment:
        for ``mimeo predict``, the user's own model on the user's machine. With ``training``
        it is coglet's train mode: ``predict_ref`` is then cog.yaml's ``train:`` function and
        jobs go to ``/trainings``."""
        self.model_dir = model_dir
        self.environment = environment
        self.predict_ref = predict_ref
        self.log_path = log_path
        self.extra_env = extra_env or {}
        self.box = box
        self.training = training
        self.route = "/trainings" if training else "/predictions"
        self.port = 0
        self.setup_logs = ""
        self._process: asyncio.subprocess.Process | None = None
        self._client: httpx.AsyncClient | None = None
        self._wire: CogWire | None = None

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.returncode is None

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    async def start(self, setup_timeout: float = SETUP_TIMEOUT_SECONDS) -> None:
        """Start the server and wait for setup; raise ``SetupFailed`` with its logs."""
        self.port = free_port()
        fixed = {
            **self.extra_env,
            **CogConfig.load(self.model_dir).environment_variables,
            "PORT": str(self.port),
            "COG_TRAIN_TYPE_STUB" if self.training else "COG_PREDICT_TYPE_STUB": self.predict_ref,
        }
        command = [str(self.environment.python), "-m", "cog.server.http", "--host", "127.0.0.1"]
        if self.training:
            command += ["--x-mode", "train"]
        if self.box is None:
            env = {
                **os.environ,
                **fixed,
                "PATH": f"{self.environment.bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
                "VIRTUAL_ENV": str(self.environment.root),
                "PYTHONUNBUFFERED": "1",
            }
            env.pop("PYTHONPATH", None)
        else:
            env, command = await asyncio.to_thread(self._boxed, self.box, fixed, command)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self._process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-P",  # not the model directory on sys.path: it must not shadow the guard's imports
                "-m",
                "mimeo.runtime.guard",
                *command,
                cwd=self.model_dir,
                env={**env, "PYTHONPATH": GUARD_PYTHONPATH},
                stdin=asyncio.subprocess.PIPE,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        self._client = httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{self.port}",
            timeout=httpx.Timeout(10.0, read=None),
            # httpcore writes a request's head and body apart: with Nagle the body would wait
            # for the server's (delayed, up to 40 ms) ACK of the head.
            transport=httpx.AsyncHTTPTransport(socket_options=[NODELAY]),
        )
        self._wire = CogWire("127.0.0.1", self.port)
        await self._wait_ready(setup_timeout)

    def _boxed(
        self, box: ModelBox, fixed: dict[str, str], command: list[str]
    ) -> tuple[dict[str, str], list[str]]:
        box.scratch.mkdir(parents=True, exist_ok=True)
        box.boundary.hand_over(self.model_dir, box.scratch)
        env = model_environment(
            os.environ,
            venv_bin=self.environment.bin_dir,
            scratch=box.scratch.resolve(),
            asked=box.environment,
            fixed=fixed,
        )
        wrapped = box.boundary.wrap(
            command,
            venv=self.environment.root,
            model_dir=self.model_dir,
            scratch=box.scratch,
            gpus=bool(fixed.get("CUDA_VISIBLE_DEVICES")),
            shared=shared_paths(os.environ, box.environment),
        )
        return env, wrapped

    async def _wait_ready(self, timeout: float) -> None:
        assert self._client is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        delay = 0.02
        while loop.time() < deadline:
            if not self.alive:
                raise SetupFailed("the model process exited during setup", self._log_tail())
            try:
                health = (await self._client.get("/health-check")).json()
            except (httpx.TransportError, ValueError):
                health = {}
            status = health.get("status")
            setup = health.get("setup") or {}
            self.setup_logs = setup.get("logs") or self.setup_logs
            if status in ("READY", "BUSY"):
                return
            if status in ("SETUP_FAILED", "DEFUNCT"):
                await self.stop()
                raise SetupFailed(
                    "setup() failed", (self.setup_logs + "\n" + self._log_tail()).strip()
                )
            await asyncio.sleep(delay)
            delay = min(delay * 1.5, 0.25)
        await self.stop()
        raise SetupFailed(f"setup did not finish within {timeout:.0f} s", self._log_tail())

    async def predict(
        self, prediction_id: str, payload: dict[str, Any]
    ) -> AsyncGenerator[CogEvent, None]:
        """Run one prediction and yield coglet's events as they arrive, ending with Completed."""
        wire = self._wire
        assert wire is not None
        body = {"id": prediction_id, "input": payload}
        if self.training:
            async for event in self._train(prediction_id, body):
                yield event
            return
        request = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        loop = asyncio.get_running_loop()
        give_up = loop.time() + AT_CAPACITY_MAX_WAIT_SECONDS
        completed = False
        while True:
            try:
                async with wire.predict(request.encode()) as response:
                    if response.status == 409 and loop.time() < give_up:
                        await response.read()  # so its connection is kept
                        await asyncio.sleep(AT_CAPACITY_RETRY_SECONDS)
                        continue
                    if response.status == 422:
                        detail = (await response.read()).decode(errors="replace")
                        yield Completed("failed", error=f"input rejected by the model: {detail}")
                        return
                    if response.status != 200:
                        detail = (await response.read()).decode(errors="replace")
                        raise InstanceDied(
                            f"the model server answered {response.status}: {detail[:500]}"
                        )
                    if "text/event-stream" not in response.content_type:
                        answer = await response.read()
                        ending = _completed_from_object(json.loads(answer) if answer else {})
                        if ending.logs:  # nothing streamed them
                            yield Log(ending.logs)
                        yield ending
                        return
                    async for event in _sse_events(response):
                        if isinstance(event, Completed) and event.status == "failed":
                            # Before the event is handed on: what follows it must not wait.
                            await self._stop_if_broken()
                        yield event
                        completed = completed or isinstance(event, Completed)
                    if not completed:
                        raise InstanceDied("the model server closed the stream before completing")
                    return
            except (OSError, ResponseError) as error:
                if completed:  # its ending is told: the rest is only the stream's terminator
                    return
                raise InstanceDied(
                    f"lost the model server ({type(error).__name__}); "
                    + ("it is no longer running" if not self.alive else "it stopped answering")
                ) from error

    async def _train(self, prediction_id: str, body: dict[str, Any]) -> AsyncIterator[CogEvent]:
        """coglet refuses SSE on ``/trainings``: a training is one blocking request, said to
        have started when it is sent; its log lines are read from the server's log meanwhile.
        Leaving early (a cancel mimeo enforces) drops the request, which coglet takes as a
        cancel."""
        yield Started()
        tail = LogTail(self.log_path, prediction_id)
        answer = asyncio.create_task(self._training_answer(body))
        streamed = False
        try:
            while True:
                finished, _ = await asyncio.wait({answer}, timeout=LOG_POLL_SECONDS)
                for line in tail.new_lines():
                    streamed = True
                    yield Log(line + "\n")
                if finished:
                    break
        finally:
            answer.cancel()
        ending = answer.result()
        if ending.logs and not streamed:  # a server that logs no records: its answer's logs
            yield Log(ending.logs)
        if ending.status == "failed":
            await self._stop_if_broken()
        yield ending

    async def _training_answer(self, body: dict[str, Any]) -> Completed:
        assert self._client is not None
        loop = asyncio.get_running_loop()
        give_up = loop.time() + AT_CAPACITY_MAX_WAIT_SECONDS
        while True:
            try:
                response = await self._client.post("/trainings", json=body)
            except httpx.TransportError as error:
                raise InstanceDied(
                    f"lost the model server ({type(error).__name__}) during the training"
                ) from error
            if response.status_code == 409 and loop.time() < give_up:
                await asyncio.sleep(AT_CAPACITY_RETRY_SECONDS)
                continue
            if response.status_code == 422:
                return Completed("failed", error=f"input rejected by the model: {response.text}")
            if response.status_code != 200:
                raise InstanceDied(
                    f"the model server answered {response.status_code}: {response.text[:500]}"
                )
            return _completed_from_object(response.json())

    async def _stop_if_broken(self) -> None:
        """coglet fails the prediction of a Python worker that died (killed, out of memory) and
        then answers every prediction 409 while its health is UNHEALTHY: such an instance is
        stopped, so ``alive`` is False and the next prediction gets a new one."""
        if self._client is None:
            return  # already stopped (a cancel the model ignored)
        try:
            status = (await self._client.get("/health-check", timeout=5.0)).json().get("status")
        except (httpx.TransportError, ValueError):
            status = None
        if status not in ("READY", "BUSY"):
            await self.stop(grace_seconds=1.0)

    async def cancel(self, prediction_id: str) -> None:
        if self._client is None:
            return
        with contextlib.suppress(httpx.TransportError):
            await self._client.post(f"{self.route}/{prediction_id}/cancel", timeout=5.0)

    async def stop(self, grace_seconds: float = 5.0) -> None:
        process = self._process
        if process is not None and process.returncode is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
                await asyncio.wait_for(process.wait(), grace_seconds)
            except TimeoutError:
                os.killpg(process.pid, signal.SIGKILL)
                await process.wait()
            except ProcessLookupError:
                pass
        if self._wire is not None:
            self._wire.close()
            self._wire = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        if self.box is not None:
            await asyncio.to_thread(shutil.rmtree, self.box.scratch, True)

    def _log_tail(self, limit: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-limit:]
        except OSError:
            return ""


def _completed_from_object(final: dict[str, Any]) -> Completed:
    return Completed(
        status=final.get("status", "failed"),
        output=final.get("output"),
        error=clean_error(final.get("error")),
        logs=final.get("logs") or "",
        metrics=final.get("metrics") or {},
    )


async def _sse_events(response: WireResponse) -> AsyncIterator[CogEvent]:
    async for name, data in response.sse():
        event = parse_event(name, data)
        if event is not None:
            yield event
