"""``mimeo hardware`` as an operator runs it on a GPU box, with a fake ``nvidia-smi``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.worker.test_hardware_inventory import fake_nvidia_smi


def mimeo_hardware(nvidia_smi: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MIMEO_NVIDIA_SMI": nvidia_smi, "COLUMNS": "200"}
    env.pop("CUDA_VISIBLE_DEVICES", None)
    return subprocess.run(
        [sys.executable, "-m", "mimeo", "hardware"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_it_lists_the_gpus_and_the_skus_they_offer(tmp_path: Path) -> None:
    result = mimeo_hardware(fake_nvidia_smi(tmp_path))

    assert result.returncode == 0, result.stderr
    assert "NVIDIA A100-SXM4-80GB" in result.stdout
    assert "gpu-t4" in result.stdout
    assert "gpu-a100-large " in result.stdout
    assert "gpu-h100" not in result.stdout


def test_a_node_without_nvidia_smi_offers_cpu(tmp_path: Path) -> None:
    result = mimeo_hardware(str(tmp_path / "absent"))

    assert result.returncode == 0, result.stderr
    assert "GPUs: none found" in result.stdout
    assert "gpu-" not in result.stdout
