"""The instances of model versions on this node: started on demand, shared up to each model's
``concurrency.max``, kept warm for deployments, stopped when idle.

Placement is synchronous (``assign``) so the claim loop's next ``offer`` already counts the
prediction it just took; starting the instance is not (``ready``), so several predictions of a
version can wait on one cold start. A version's archive is fetched once into the node's cache;
its environment comes from the shared ``EnvironmentBuilder``.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

import structlog

from mimeo.core.clock import utc_now
from mimeo.core.hardware import GpuLike, offered_skus, pick_devices
from mimeo.core.output_schema import has_file_output, is_iterator_output, training_view
from mimeo.core.protocol import InstanceReport, Offer, StoppedInstance, WarmSlot, WarmTarget
from mimeo.core.records import PREDICTION, TRAINING
from mimeo.core.worker_limits import PoolLimits
from mimeo.runtime.archive import SCHEMA_PATH
from mimeo.runtime.archive_reader import unpack
from mimeo.runtime.cog_config import CogConfig
from mimeo.runtime.environment import EnvironmentBuilder
from mimeo.runtime.instance import CogInstance, SetupFailed
from mimeo.runtime.model_options import ModelOptions
from mimeo.runtime.sandbox import Boundary, ModelBox

log = structlog.get_logger()
FetchArchive = Callable[[str], Awaitable[bytes]]
FetchWeights = Callable[[str], Awaitable[tuple[str, bytes] | None]]
WEIGHTS_DIR = ".mimeo-weights"
"""Where a trained version's weights are kept in its model directory, which its instances see
(inside the sandbox too): ``COG_WEIGHTS`` names the file there."""
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
MAX_STOPPED_REPORTS = 1000
"""Stops kept for the next heartbeat while the API cannot be reached; the oldest go first."""


class NoCapacity(Exception):
    """Nothing here can run this prediction now: hand it back to the queue."""


@dataclass(eq=False)
class Instance:
    version: str
    hardware: str
    devices: tuple[int, ...]
    kind: str = PREDICTION
    """``training``: coglet in train mode, running cog.yaml's ``train:`` for trainings only."""
    capacity: int = 1
    active: int = 0
    last_used: float = field(default_factory=time.monotonic)
    kept_warm_for: str | None = None
    """The deployment whose ``min_instances`` this instance counts toward: not stopped idle."""
    since: datetime = field(default_factory=utc_now)
    started_for: str | None = None
    """The deployment whose prediction started this instance: its owner pays for its time."""
    server: CogInstance | None = None
    schema: dict[str, Any] = field(default_factory=dict)
    predict_timeout: float = 0.0
    starting: asyncio.Task[float] | None = None
    """Resolves to the seconds setup took; raises ``SetupFailed`` for every waiter."""

    @property
    def ready(self) -> bool:
        return self.starting is not None and self.starting.done() and self.server is not None

    @property
    def started(self) -> bool:
        """Its start succeeded (``ready`` is also true of a start that failed)."""
        starting = self.starting
        return (
            starting is not None
            and starting.done()
            and not starting.cancelled()
            and starting.exception() is None
        )

    @property
    def alive(self) -> bool:
        if self.starting is None or not self.starting.done():
            return True
        return self.server is not None and self.server.alive

    @property
    def has_room(self) -> bool:
        return self.alive and self.active < self.capacity

    @property
    def evictable(self) -> bool:
        return self.ready and self.active == 0 and self.kept_warm_for is None

    def report(self) -> InstanceReport:
        state = "starting" if not self.ready else "busy" if self.active else "idle"
        return InstanceReport(
            version=self.version,
            hardware=self.hardware,
            state=state,
            since=self.since,
            deployment=self.kept_warm_for,
            serves=self.started_for,
        )

    @property
    def iterator_output(self) -> bool:
        return is_iterator_output(self.schema)

    @property
    def file_output(self) -> bool:
        return has_file_output(self.schema)


class InstancePool:
    def __init__(
        self,
        work_dir: Path,
        builder: EnvironmentBuilder,
        fetch_archive: FetchArchive,
        limits: PoolLimits | None = None,
        gpus: Sequence[GpuLike] = (),
        boundary: Boundary | None = None,
        fetch_weights: FetchWeights | None = None,
    ) -> None:
        """``fetch_weights`` gives a trained version's weights (None: no version has any)."""
        self.work_dir = work_dir
        self.fetch_weights = fetch_weights
        self.boundary = boundary or Boundary()
        self.builder = builder
        self.fetch_archive = fetch_archive
        self.limits = limits or PoolLimits()
        self.gpus = tuple(gpus)
        self.skus = offered_skus(self.gpus)
        self.instances: list[Instance] = []
        self.cold_starts = 0
        self.cold_start_seconds = 0.0
        """Since this worker started: what the fleet's metrics add up."""
        self.stopped: list[StoppedInstance] = []
        """Instances stopped since the last answered heartbeat: billed up to their stop."""
        self.changed = asyncio.Event()
        """Set whenever capacity may have come free; the claim loop waits on it when full."""
        self._capacity: dict[str, int] = {}
        self._unpacking: dict[str, asyncio.Lock] = {}
        self._stopping: set[asyncio.Task[None]] = set()

    def offer(self) -> Offer:
        self._forget_dead()
        warm = {(i.version, i.hardware, i.kind) for i in self.instances if i.has_room}
        startable = [sku for sku in self.skus if self._placement(sku, evict=False) is not None]
        return Offer(
            warm=[WarmSlot(version=v, hardware=h, kind=k) for v, h, k in sorted(warm)],
            startable_hardware=startable,
        )

    def assign(
        self,
        version: str,
        hardware: str,
        kind: str = PREDICTION,
        deployment: str | None = None,
    ) -> Instance:
        """A place for one prediction (or training) now: a free slot on a live instance of
        ``version`` of that kind, or a new instance (making room by stopping idle ones).
        Raises ``NoCapacity``.

        A new instance started for a ``deployment``'s prediction is billed to that deployment's
        owner for as long as it runs."""
        self._forget_dead()
        for instance in self.instances:
            if (
                instance.version == version
                and instance.hardware == hardware
                and instance.kind == kind
                and instance.has_room
            ):
                instance.active += 1
                return instance
        instance = self._launch(version, hardware, kind)
        instance.active = 1
        instance.started_for = deployment
        return instance

    async def ready(self, instance: Instance) -> float | None:
        """Wait until ``instance`` runs; the seconds setup took when this was a cold start."""
        assert instance.starting is not None
        cold = not instance.starting.done()
        setup_seconds = await asyncio.shield(instance.starting)
        return setup_seconds if cold else None

    def release(self, instance: Instance) -> None:
        instance.active = max(0, instance.active - 1)
        instance.last_used = time.monotonic()
        self.changed.set()

    async def discard(self, instance: Instance) -> None:
        """Stop an instance that died or would not stop a prediction; the next one replaces it."""
        instance.active = max(0, instance.active - 1)
        self._remove(instance, "instance.discarded")
        await self._drain_stops()

    def keep_warm(self, targets: Sequence[WarmTarget]) -> None:
        """Hold ``min_instances`` of each deployment's current version, starting what is missing;
        instances of versions no longer wanted become ordinary (and may stop when idle).

        Deployments together hold at most all slots but one: on-demand predictions of every
        other model always have a place to run.
        """
        for instance in self.instances:
            instance.kept_warm_for = None
        room = self.limits.max_instances - 1
        for target in targets:
            if target.hardware not in self.skus:
                continue
            same = [
                i
                for i in self.instances
                if i.version == target.version
                and i.hardware == target.hardware
                and i.kind == PREDICTION
                and i.alive
            ]
            wanted = min(target.min_instances, room)
            if wanted < target.min_instances:
                log.warning("instance.warm_capped", deployment=target.deployment, kept=wanted)
            for instance in same[:wanted]:
                instance.kept_warm_for = target.deployment
            room -= min(len(same), wanted)
            for _ in range(wanted - len(same)):
                try:
                    started = self._launch(target.version, target.hardware)
                except NoCapacity:
                    log.warning("instance.warm_start_skipped", deployment=target.deployment)
                    break
                room -= 1
                started.kept_warm_for = target.deployment
                assert started.starting is not None
                started.starting.add_done_callback(_report_warm_start)
                log.info("instance.kept_warm", deployment=target.deployment)

    def heard(self, reported: Sequence[StoppedInstance]) -> None:
        """The API has billed these stops: they need not be reported again."""
        sent = {id(stop) for stop in reported}
        self.stopped = [stop for stop in self.stopped if id(stop) not in sent]

    def stop_idle(self) -> int:
        """Scale to zero: stop instances unused for longer than the idle timeout."""
        now = time.monotonic()
        idle = [
            i
            for i in self.instances
            if i.evictable and now - i.last_used > self.limits.idle_timeout
        ]
        for instance in idle:
            self._remove(instance, "instance.stopped_idle")
        return len(idle)

    async def close(self) -> None:
        for instance in list(self.instances):
            self._remove(instance, "instance.stopped")
        await self._drain_stops()

    def _launch(self, version: str, hardware: str, kind: str = PREDICTION) -> Instance:
        devices = self._placement(hardware, evict=True)
        if devices is None:
            raise NoCapacity(f"no room for a {hardware} instance of {version[:12]}")
        capacity = self._capacity.get(version, 1) if kind == PREDICTION else 1
        instance = Instance(version, hardware, tuple(devices), kind, capacity=capacity)
        instance.starting = asyncio.create_task(self._start(instance))
        self.instances.append(instance)
        return instance

    def _placement(self, hardware: str, *, evict: bool) -> list[int] | None:
        """The GPU devices a new instance on ``hardware`` would get, stopping idle instances
        to make room when ``evict``; None when it cannot be placed even so."""
        if hardware not in self.skus:
            return None
        idle = sorted((i for i in self.instances if i.evictable), key=lambda i: i.last_used)
        kept = [i for i in self.instances if i not in idle]
        for victims in range(len(idle) + 1):
            remaining = kept + idle[victims:]
            if len(remaining) >= self.limits.max_instances:
                continue
            used = {d for i in remaining for d in i.devices}
            devices = pick_devices(hardware, [g for g in self.gpus if g.index not in used])
            if devices is None:
                continue
            if evict:
                for victim in idle[:victims]:
                    self._remove(victim, "instance.evicted")
            return devices
        return None

    async def _start(self, instance: Instance) -> float:
        began = time.monotonic()
        try:
            model_dir = await self._unpacked(instance.version)
            weights = await self._weights(instance.version, model_dir)
            config = CogConfig.load(model_dir)
            options = ModelOptions.load(model_dir)
            environment = await self.builder.ensure(config, model_dir, hardware=instance.hardware)
            schema = json.loads((model_dir / SCHEMA_PATH).read_text())
            training = instance.kind == TRAINING
            instance.schema = training_view(schema) if training else schema
            if not training:
                instance.capacity = self._capacity[instance.version] = config.concurrency.max
            limit = options.timeouts.train if training else None
            instance.predict_timeout = (
                limit or options.timeouts.predict or self.limits.predict_timeout
            )
            function = config.train if training else config.predict
            if function is None:
                raise SetupFailed("cog.yaml has no 'train:' entry: this version cannot train")
            devices = ",".join(str(d) for d in instance.devices)
            server = CogInstance(
                model_dir,
                environment,
                function,
                self.work_dir / "logs" / f"{instance.version[:12]}-{time.time_ns()}.log",
                extra_env={
                    "CUDA_VISIBLE_DEVICES": devices,
                    # nvidia-smi numbers GPUs in PCI bus order; CUDA must count the same way.
                    "CUDA_DEVICE_ORDER": "PCI_BUS_ID",
                    # What `cog build` bakes into the image from cog.yaml; coglet reads it here.
                    "COG_MAX_CONCURRENCY": str(config.concurrency.max),
                    **self._thread_limits(),
                    **({} if weights is None else {"COG_WEIGHTS": str(weights)}),
                },
                box=ModelBox(
                    self.boundary,
                    self.work_dir / "scratch" / f"{instance.version[:12]}-{time.time_ns()}",
                    options.environment,
                ),
                training=training,
            )
            instance.server = server
            log.info("instance.starting", version=instance.version, hardware=instance.hardware)
            await server.start(options.timeouts.setup or self.limits.setup_timeout)
        except BaseException:
            self._remove(instance, "instance.start_failed")
            raise
        finally:
            self.changed.set()
        seconds = time.monotonic() - began
        self.cold_starts += 1
        self.cold_start_seconds += seconds
        log.info("instance.ready", version=instance.version, port=server.port, setup=seconds)
        return seconds

    def _thread_limits(self) -> dict[str, str]:
        """The worker's own settings win (its operator chose them; a boxed model does not see
        the worker's environment otherwise), else an even share of the cores."""
        threads = self.limits.threads_per_instance
        chosen = {name: os.environ[name] for name in THREAD_VARIABLES if name in os.environ}
        if threads is None:
            return chosen
        return {name: chosen.get(name, str(threads)) for name in THREAD_VARIABLES}

    async def _unpacked(self, version: str) -> Path:
        model_dir = self.work_dir / "models" / version
        async with self._unpacking.setdefault(version, asyncio.Lock()):
            if not (model_dir / "cog.yaml").is_file():
                staging = model_dir.with_name(f".{version}.incoming")
                unpack(await self.fetch_archive(version), staging)
                staging.replace(model_dir)
        return model_dir

    async def _weights(self, version: str, model_dir: Path) -> Path | None:
        """A trained version's weights file, fetched once into its model directory; None for
        a version that was pushed. A file that is there is complete: it is renamed in."""
        if self.fetch_weights is None:
            return None
        folder = model_dir / WEIGHTS_DIR
        async with self._unpacking.setdefault(version, asyncio.Lock()):
            if not folder.is_dir():
                found = await self.fetch_weights(version)
                staging = model_dir / f"{WEIGHTS_DIR}.incoming"
                shutil.rmtree(staging, ignore_errors=True)
                staging.mkdir()
                if found is not None:
                    key, data = found
                    (staging / PurePosixPath(key).name).write_bytes(data)
                staging.replace(folder)
        files = sorted(path for path in folder.iterdir() if path.is_file())
        return files[0].resolve() if files else None

    def _forget_dead(self) -> None:
        for instance in list(self.instances):
            if not instance.alive and instance.active == 0:
                self._remove(instance, "instance.died")

    def _remove(self, instance: Instance, event: str) -> None:
        if instance not in self.instances:
            return
        self.instances.remove(instance)
        self.stopped.append(StoppedInstance(instance=instance.report(), stopped_at=utc_now()))
        del self.stopped[:-MAX_STOPPED_REPORTS]
        log.info(event, version=instance.version, hardware=instance.hardware)
        self.changed.set()
        stop = asyncio.create_task(self._stop(instance))
        self._stopping.add(stop)
        stop.add_done_callback(self._stopping.discard)

    async def _stop(self, instance: Instance) -> None:
        if instance.starting is not None and not instance.starting.done():
            instance.starting.cancel()
        if instance.server is not None:
            await instance.server.stop()

    async def _drain_stops(self) -> None:
        if self._stopping:
            await asyncio.gather(*list(self._stopping), return_exceptions=True)


def _report_warm_start(task: asyncio.Task[float]) -> None:
    """Nobody waits on a warm start: its failure is logged here (and retried next sync)."""
    if not task.cancelled() and task.exception() is not None:
        log.warning("instance.warm_start_failed", error=str(task.exception()))
