"""Packages resolve across the indexes of pip's configuration as pip resolves them: every index
is searched and the best match wins, so a pin that only a later index satisfies installs.

Two local indexes are made here: the first holds mimeo-probe 1.0, the second 2.0; the fixture
tests/fixtures/extra-index-pin pins 2.0. The model runs on its own Cog server, as a worker
starts it, and pip itself is asked what it would install.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import httpx
import pytest

from mimeo.runtime.environment import EnvironmentBuilder
from mimeo.runtime.instance import CogInstance
from mimeo.runtime.pip_config import read_pip_config
from mimeo.runtime.prepare import prepare
from tests.conftest import FIXTURES

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def indexes(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """``file://`` URLs of two simple indexes: mimeo-probe 1.0 in the first, 2.0 in the second."""
    root = tmp_path_factory.mktemp("indexes")
    urls = []
    for name, version in (("first", "1.0"), ("second", "2.0")):
        project = root / name / "mimeo-probe"
        project.mkdir(parents=True)
        wheel = write_wheel(project, "mimeo_probe", version)
        (project / "index.html").write_text(f'<a href="{wheel.name}">{wheel.name}</a>')
        urls.append((root / name).as_uri())
    return urls


def test_pip_takes_the_pin_from_the_second_index(indexes: list[str], tmp_path: Path) -> None:
    downloaded = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", str(tmp_path),
         "--extra-index-url", indexes[0], "--extra-index-url", indexes[1], "mimeo-probe==2.0"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip

    assert downloaded.returncode == 0, downloaded.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["mimeo_probe-2.0-py3-none-any.whl"]


def test_a_pin_only_a_later_extra_index_holds_installs_as_under_pip(
    indexes: list[str], env_dir: Path, tmp_path: Path
) -> None:
    pip_config = read_pip_config({"PIP_EXTRA_INDEX_URL": " ".join(indexes)})
    model_dir = tmp_path / "extra-index-pin"
    shutil.copytree(FIXTURES / "extra-index-pin", model_dir)

    assert asyncio.run(run_once(model_dir, EnvironmentBuilder(env_dir, pip_config))) == "2.0"


async def run_once(model_dir: Path, builder: EnvironmentBuilder) -> object:
    prepared = await prepare(model_dir, builder)
    assert prepared.config.predict is not None
    instance = CogInstance(
        model_dir, prepared.environment, prepared.config.predict, model_dir / "cog.log"
    )
    await instance.start()
    try:
        url = f"http://127.0.0.1:{instance.port}/predictions"
        async with httpx.AsyncClient(timeout=60) as http:
            answer = (await http.post(url, json={"input": {}})).raise_for_status().json()
        return answer["output"]
    finally:
        await instance.stop()


def write_wheel(directory: Path, name: str, version: str) -> Path:
    """The smallest valid wheel of ``name`` whose ``__version__`` is ``version``."""
    info = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": f'__version__ = "{version}"\n',
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: mimeo-tests\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
    }
    record = [f"{path},sha256={digest(text)},{len(text.encode())}" for path, text in files.items()]
    files[f"{info}/RECORD"] = "\n".join([*record, f"{info}/RECORD,,"]) + "\n"
    wheel = directory / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return wheel


def digest(text: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
