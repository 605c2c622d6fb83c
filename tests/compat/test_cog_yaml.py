"""What cog.yaml says is honoured as Cog honours it: ``run:`` names the predictor as ``predict:``
does, and ``environment:`` reaches the model's process (names Cog reserves are refused). Each is
compared with the bare Cog server running the same fixture.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import replicate

from tests.compat.conftest import BareCog, Push, attempt_push
from tests.conftest import FIXTURES, MimeoServer

pytestmark = pytest.mark.slow


def test_run_names_the_predictor_as_predict_does(
    client: replicate.Client, push_fixture: Push, bare_cog: BareCog
) -> None:
    version = push_fixture("run-key")

    through_mimeo = client.run(f"fixtures/run-key:{version}", input={"s": "world"})

    assert through_mimeo == bare_cog.output("run-key", {"s": "world"}) == "hello world"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("GREETING", "GREETING=hello from cog.yaml"),
        ("EQUATION", "EQUATION=a=b"),  # the value runs to the end of the entry, = included
        ("OMP_NUM_THREADS", "OMP_NUM_THREADS=3"),  # the model's choice beats mimeo's default
        ("UNSET_NAME", "UNSET_NAME=None"),
    ],
)
def test_environment_variables_reach_the_model(
    client: replicate.Client, push_fixture: Push, bare_cog: BareCog, name: str, expected: str
) -> None:
    version = push_fixture("environment")

    through_mimeo = client.run(f"fixtures/environment:{version}", input={"name": name})

    assert through_mimeo == bare_cog.output("environment", {"name": name}) == expected


def test_an_environment_variable_cog_reserves_fails_the_push(
    mimeo_server: MimeoServer, tmp_path: Path
) -> None:
    model = tmp_path / "reserved"
    shutil.copytree(FIXTURES / "environment", model)
    (model / "cog.yaml").write_text(
        'build:\n  python_version: "3.11"\npredict: "predict.py:Predictor"\n'
        "environment:\n  - PATH=/opt/elsewhere\n"
    )

    pushed = attempt_push(mimeo_server, model, "fixtures/reserved")

    assert pushed.returncode != 0
    assert (
        "environment: Value error, environment variable 'PATH' is not allowed: reserved for "
        "internal use" in " ".join((pushed.stdout + pushed.stderr).split())
    )
