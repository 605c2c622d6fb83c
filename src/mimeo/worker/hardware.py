"""What this node has to offer: CPUs, memory and the GPUs the worker may hand to instances.

GPUs come from ``nvidia-smi`` rather than a CUDA library so the worker's own venv needs no GPU
packages; a node without it (or whose driver is broken) still serves ``cpu``. Any failure to
detect GPUs is a warning, never a crash: the worker should join the fleet with what it can see.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import structlog

log = structlog.get_logger()

NVIDIA_SMI_TIMEOUT_SECONDS = 5.0
"""A healthy ``nvidia-smi`` answers in well under a second; a wedged driver can hang it."""
QUERY = ("--query-gpu=index,name,memory.total", "--format=csv,noheader,nounits")
MEMINFO = Path("/proc/meminfo")


@dataclass(frozen=True)
class Gpu:
    index: int
    """``nvidia-smi``'s index, in PCI bus order. CUDA numbers devices the same way only under
    ``CUDA_DEVICE_ORDER=PCI_BUS_ID``, so whoever starts an instance on it should set that too."""
    name: str
    memory_mib: int


@dataclass(frozen=True)
class Inventory:
    cpus: int
    memory_bytes: int
    gpus: tuple[Gpu, ...]


class FromEnvironment(Enum):
    """Tells "use this process's ``CUDA_VISIBLE_DEVICES``" apart from None, "all GPUs"."""

    TOKEN = "from-environment"


FROM_ENVIRONMENT = FromEnvironment.TOKEN


def cpu_count() -> int:
    """The CPUs this process may run on: a ``taskset`` or container cpuset counts, the host's
    total does not."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def memory_bytes(meminfo: Path = MEMINFO) -> int:
    """The machine's memory from ``MemTotal`` (in kB); ``sysconf`` where there is no procfs."""
    try:
        for line in meminfo.read_text().splitlines():
            key, _, value = line.partition(":")
            if key == "MemTotal":
                amount, _, unit = value.strip().partition(" ")
                return int(amount) * (1024 if unit == "kB" else 1)
    except (OSError, ValueError):
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def parse_gpus(output: str) -> tuple[Gpu, ...]:
    """``nvidia-smi``'s CSV (``0, Tesla T4, 15360`` per line) → GPUs.

    Raises ValueError on any line it can't read: a partial list would make the node advertise
    hardware it isn't sure of. The name is everything between the first and last comma.
    """
    gpus: list[Gpu] = []
    for line in output.splitlines():
        if not line.strip():
            continue
        index, _, rest = line.partition(",")
        name, _, memory = rest.rpartition(",")
        if not name.strip():
            raise ValueError(f"not an nvidia-smi GPU line: {line!r}")
        gpus.append(Gpu(int(index), name.strip(), int(memory)))
    return tuple(gpus)


def visible(gpus: tuple[Gpu, ...], visible_devices: str | None) -> tuple[Gpu, ...]:
    """The GPUs ``CUDA_VISIBLE_DEVICES`` lets this worker offer: all when unset, none when empty.

    Only comma-separated indices are understood. Other tokens (``GPU-<uuid>``, ``MIG-...``)
    match nothing and are logged, so a node set up that way offers fewer GPUs rather than GPUs
    it was told to keep off. ``-1``, the usual way to hide every GPU, matches nothing quietly.
    """
    if visible_devices is None:
        return gpus
    allowed: set[int] = set()
    for token in filter(None, (token.strip() for token in visible_devices.split(","))):
        try:
            allowed.add(int(token))
        except ValueError:
            log.warning("hardware.visible_device_ignored", token=token)
    return tuple(gpu for gpu in gpus if gpu.index in allowed)


async def query_gpus(nvidia_smi: str, timeout_seconds: float) -> tuple[Gpu, ...]:
    """All GPUs ``nvidia-smi`` reports; none, with a warning, when it can't be run or read."""
    try:
        process = await asyncio.create_subprocess_exec(
            nvidia_smi,
            *QUERY,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
    except OSError as error:
        log.warning("hardware.nvidia_smi_missing", command=nvidia_smi, error=str(error))
        return ()
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout_seconds)
    except TimeoutError:
        process.kill()
        await process.wait()
        log.warning("hardware.nvidia_smi_timeout", command=nvidia_smi, seconds=timeout_seconds)
        return ()
    if process.returncode != 0:
        log.warning(
            "hardware.nvidia_smi_failed",
            command=nvidia_smi,
            exit_code=process.returncode,
            stderr=stderr.decode(errors="replace").strip(),
        )
        return ()
    text = stdout.decode(errors="replace")
    try:
        return parse_gpus(text)
    except ValueError:
        log.warning("hardware.nvidia_smi_unparsable", command=nvidia_smi, output=text[:500])
        return ()


async def detect_inventory(
    nvidia_smi: str | None = "nvidia-smi",
    visible_devices: str | FromEnvironment | None = FROM_ENVIRONMENT,
    *,
    timeout_seconds: float = NVIDIA_SMI_TIMEOUT_SECONDS,
) -> Inventory:
    """This node's CPUs, memory and the GPUs it may use.

    ``nvidia_smi`` is the command to ask (None or empty: don't look for GPUs). ``visible_devices``
    defaults to this process's ``CUDA_VISIBLE_DEVICES``, read at call time; None offers every GPU.
    """
    gpus = await query_gpus(nvidia_smi, timeout_seconds) if nvidia_smi else ()
    if visible_devices is FROM_ENVIRONMENT:
        visible_devices = os.environ.get("CUDA_VISIBLE_DEVICES")
    return Inventory(cpu_count(), memory_bytes(), visible(gpus, visible_devices))
