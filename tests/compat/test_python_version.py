"""``python_version`` in cog.yaml is the Python the model runs on, as under Cog, whose own tests
print ``sys.version``. An interpreter already on the machine is used (uv's discovery, then
pyenv's installs); none is downloaded. When the machine has none, the push fails and says which
Python to install, rather than run the model on another one without a word.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import pytest
import replicate

from mimeo.runtime.environment import uv_executable
from mimeo.runtime.interpreters import find_python
from tests.compat.conftest import BareCog, Push, attempt_push
from tests.conftest import FIXTURES, MimeoServer

pytestmark = pytest.mark.slow


def requested_python_is_installed(version: str) -> bool:
    environ = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    return asyncio.run(find_python(version, uv_executable(), environ)) is not None


@pytest.mark.skipif(
    not requested_python_is_installed("3.12"), reason="this machine has no Python 3.12"
)
def test_the_model_runs_on_the_python_its_cog_yaml_names(
    client: replicate.Client, push_fixture: Push, bare_cog: BareCog
) -> None:
    version = push_fixture("python-version")

    through_mimeo = client.run(f"fixtures/python-version:{version}", input={})

    assert through_mimeo == bare_cog.output("python-version", {}) == "3.12"


def test_a_python_this_machine_lacks_fails_the_push_in_one_line(
    mimeo_server: MimeoServer, tmp_path: Path
) -> None:
    model = tmp_path / "no-such-python"
    shutil.copytree(FIXTURES / "python-version", model)
    (model / "cog.yaml").write_text(
        'build:\n  python_version: "3.99"\npredict: "predict.py:Predictor"\n'
    )

    pushed = attempt_push(mimeo_server, model, "fixtures/no-such-python")

    assert pushed.returncode != 0
    assert (
        "cog.yaml asks for Python 3.99, which is not installed on this machine; install it "
        "(e.g. `uv python install 3.99`) and try again"
    ) in " ".join((pushed.stdout + pushed.stderr).split())
