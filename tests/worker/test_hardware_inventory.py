"""A node's inventory (``mimeo.worker.hardware``), with a fake ``nvidia-smi`` script standing in
for the driver: parsing, ``CUDA_VISIBLE_DEVICES``, and every way detection can fail quietly."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from mimeo.worker.hardware import Gpu, detect_inventory, memory_bytes

QUERY = "--query-gpu=index,name,memory.total --format=csv,noheader,nounits"
TWO_GPUS = "0, Tesla T4, 15360\n1, NVIDIA A100-SXM4-80GB, 81920\n"
T4 = Gpu(0, "Tesla T4", 15360)
A100 = Gpu(1, "NVIDIA A100-SXM4-80GB", 81920)


def fake_nvidia_smi(tmp_path: Path, output: str = TWO_GPUS, exit_code: int = 0) -> str:
    """An executable that prints ``output`` and exits with ``exit_code`` when asked mimeo's
    query, and fails like a real ``nvidia-smi`` given flags it doesn't expect."""
    script = tmp_path / "nvidia-smi"
    script.write_text(
        "#!/bin/sh\n"
        f'if [ "$*" != {shlex.quote(QUERY)} ]; then echo "bad args: $*" >&2; exit 64; fi\n'
        f"printf '%s' {shlex.quote(output)}\n"
        f"exit {exit_code}\n"
    )
    script.chmod(0o755)
    return str(script)


async def test_gpus_are_read_from_nvidia_smi(tmp_path: Path) -> None:
    inventory = await detect_inventory(fake_nvidia_smi(tmp_path), visible_devices=None)

    assert inventory.gpus == (T4, A100)


async def test_a_gpu_name_with_a_comma_is_kept_whole(tmp_path: Path) -> None:
    nvidia_smi = fake_nvidia_smi(tmp_path, "0, Odd, Name GPU, 8192\n")

    inventory = await detect_inventory(nvidia_smi, visible_devices=None)

    assert inventory.gpus == (Gpu(0, "Odd, Name GPU", 8192),)


async def test_cpus_and_memory_are_counted(tmp_path: Path) -> None:
    inventory = await detect_inventory(fake_nvidia_smi(tmp_path), visible_devices=None)

    assert inventory.cpus >= 1
    assert inventory.memory_bytes > 0


def test_memory_is_meminfo_memtotal_in_bytes(tmp_path: Path) -> None:
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       16318588 kB\nMemFree:         1000000 kB\n")

    assert memory_bytes(meminfo) == 16318588 * 1024


@pytest.mark.parametrize(
    ("visible_devices", "expected"),
    [("1", (A100,)), ("0,1", (T4, A100)), (" 1 , 0 ", (T4, A100)), ("", ()), ("-1", ())],
)
async def test_cuda_visible_devices_limits_the_gpus_offered(
    tmp_path: Path, visible_devices: str, expected: tuple[Gpu, ...]
) -> None:
    inventory = await detect_inventory(fake_nvidia_smi(tmp_path), visible_devices)

    assert inventory.gpus == expected


async def test_uuid_devices_match_nothing(tmp_path: Path) -> None:
    visible_devices = "GPU-8f3c1a2e-0000-0000-0000-000000000000,1"

    inventory = await detect_inventory(fake_nvidia_smi(tmp_path), visible_devices)

    assert inventory.gpus == (A100,)


async def test_visible_devices_default_to_this_process_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")

    inventory = await detect_inventory(fake_nvidia_smi(tmp_path))

    assert inventory.gpus == (T4,)


async def test_without_cuda_visible_devices_every_gpu_is_offered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)

    inventory = await detect_inventory(fake_nvidia_smi(tmp_path))

    assert inventory.gpus == (T4, A100)


async def test_a_missing_nvidia_smi_means_no_gpus(tmp_path: Path) -> None:
    inventory = await detect_inventory(str(tmp_path / "absent"), visible_devices=None)

    assert inventory.gpus == ()


async def test_no_nvidia_smi_command_means_no_gpus() -> None:
    inventory = await detect_inventory(None, visible_devices=None)

    assert inventory.gpus == ()


async def test_garbage_output_means_no_gpus(tmp_path: Path) -> None:
    nvidia_smi = fake_nvidia_smi(tmp_path, "0, Tesla T4, 15360\nsomething went wrong\n")

    inventory = await detect_inventory(nvidia_smi, visible_devices=None)

    assert inventory.gpus == ()


async def test_unknown_memory_means_no_gpus(tmp_path: Path) -> None:
    nvidia_smi = fake_nvidia_smi(tmp_path, "0, Tesla T4, [N/A]\n")

    inventory = await detect_inventory(nvidia_smi, visible_devices=None)

    assert inventory.gpus == ()


async def test_a_failing_nvidia_smi_means_no_gpus(tmp_path: Path) -> None:
    nvidia_smi = fake_nvidia_smi(tmp_path, TWO_GPUS, exit_code=9)

    inventory = await detect_inventory(nvidia_smi, visible_devices=None)

    assert inventory.gpus == ()


async def test_a_hanging_nvidia_smi_means_no_gpus(tmp_path: Path) -> None:
    script = tmp_path / "nvidia-smi"
    script.write_text("#!/bin/sh\nexec sleep 30\n")
    script.chmod(0o755)

    inventory = await detect_inventory(str(script), visible_devices=None, timeout_seconds=0.2)

    assert inventory.gpus == ()


@pytest.mark.parametrize(
    ("output", "exit_code", "event"),
    [
        ("garbage\n", 0, "hardware.nvidia_smi_unparsable"),
        (TWO_GPUS, 9, "hardware.nvidia_smi_failed"),
    ],
)
async def test_a_detection_failure_is_logged_as_a_warning(
    tmp_path: Path, output: str, exit_code: int, event: str
) -> None:
    nvidia_smi = fake_nvidia_smi(tmp_path, output, exit_code)

    with capture_logs() as logs:
        await detect_inventory(nvidia_smi, visible_devices=None)

    assert [(log["event"], log["log_level"]) for log in logs] == [(event, "warning")]


async def test_a_missing_nvidia_smi_is_logged_as_a_warning(tmp_path: Path) -> None:
    with capture_logs() as logs:
        await detect_inventory(str(tmp_path / "absent"), visible_devices=None)

    assert [log["event"] for log in logs] == ["hardware.nvidia_smi_missing"]
