"""Instances of model versions on this node: cold-started on demand, reused while warm.

A version's archive is fetched once and unpacked into the node's cache; its environment comes
from the shared ``EnvironmentBuilder``. When the pool is full, the least recently used idle
instance makes room.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import structlog

from mimeo.core.output_schema import has_file_output, is_iterator_output
from mimeo.runtime.archive import SCHEMA_PATH, unpack
from mimeo.runtime.cog_config import CogConfig
from mimeo.runtime.environment import EnvironmentBuilder
from mimeo.runtime.instance import CogInstance

log = structlog.get_logger()
FetchArchive = Callable[[str], Awaitable[bytes]]


@dataclass
class Slot:
    version: str
    instance: CogInstance
    schema: dict[str, Any]
    busy: bool = False
    last_used: float = field(default_factory=time.monotonic)

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
        max_instances: int = 4,
    ) -> None:
        self.work_dir = work_dir
        self.builder = builder
        self.fetch_archive = fetch_archive
        self.max_instances = max_instances
        self._slots: list[Slot] = []
        self._lock = asyncio.Lock()
        self._version_locks: dict[str, asyncio.Lock] = {}

    async def acquire(self, version: str) -> tuple[Slot, bool]:
        """An idle instance of ``version``, started if needed; True when it was a cold start."""
        async with self._version_locks.setdefault(version, asyncio.Lock()):
            async with self._lock:
                for slot in self._slots:
                    if slot.version == version and not slot.busy and slot.instance.alive:
                        slot.busy = True
                        return slot, False
                await self._make_room()
            slot = await self._start(version)
            async with self._lock:
                self._slots.append(slot)
            return slot, True

    def release(self, slot: Slot) -> None:
        slot.busy = False
        slot.last_used = time.monotonic()

    async def discard(self, slot: Slot) -> None:
        async with self._lock:
            if slot in self._slots:
                self._slots.remove(slot)
        await slot.instance.stop()

    async def close(self) -> None:
        async with self._lock:
            slots, self._slots = self._slots, []
        await asyncio.gather(*(slot.instance.stop() for slot in slots))

    async def _make_room(self) -> None:
        self._slots = [s for s in self._slots if s.instance.alive or s.busy]
        while len(self._slots) >= self.max_instances:
            idle = sorted((s for s in self._slots if not s.busy), key=lambda s: s.last_used)
            if not idle:
                return
            victim = idle[0]
            self._slots.remove(victim)
            log.info("instance.evicted", version=victim.version)
            await victim.instance.stop()

    async def _start(self, version: str) -> Slot:
        model_dir = self.work_dir / "models" / version
        if not (model_dir / "cog.yaml").is_file():
            staging = model_dir.with_name(f".{version}.incoming")
            unpack(await self.fetch_archive(version), staging)
            staging.replace(model_dir)
        config = CogConfig.load(model_dir)
        environment = await self.builder.ensure(config, model_dir)
        schema = json.loads((model_dir / SCHEMA_PATH).read_text())
        assert config.predict is not None
        instance = CogInstance(
            model_dir,
            environment,
            config.predict,
            self.work_dir / "logs" / f"{version[:12]}-{time.time_ns()}.log",
        )
        log.info("instance.starting", version=version)
        await instance.start()
        log.info("instance.ready", version=version, port=instance.port)
        return Slot(version, instance, schema, busy=True)
