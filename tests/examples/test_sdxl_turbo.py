"""examples/sdxl-turbo: a GPU-class model whose weights the operator provides. Here, on a CPU
and without the real 7 GB of weights: its push (which must build CPU torch, never the CUDA
build that GPU hardware gets), its schema, its error without weights, and its real loading and
generating code on a tiny random-weight pipeline of the same architecture."""

from __future__ import annotations

import asyncio
import io
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import replicate
from PIL import Image
from replicate.exceptions import ModelError

from mimeo.runtime.cog_config import CogConfig
from mimeo.runtime.environment import Environment, EnvironmentBuilder
from tests.conftest import EXAMPLES, MimeoServer, official_client, running_server

pytestmark = pytest.mark.slow

MODEL = EXAMPLES / "sdxl-turbo"
TINY_PIPELINE = Path(__file__).with_name("models") / "tiny_sdxl.py"


@pytest.fixture(scope="module")
def sdxl_turbo(push_example: Callable[[str], str]) -> str:
    return push_example("sdxl-turbo")


@pytest.fixture(scope="module")
def environment(sdxl_turbo: str, env_dir: Path) -> Environment:
    """The environment the push built (found again, not rebuilt)."""
    builder = EnvironmentBuilder(env_dir)
    return asyncio.run(builder.ensure(CogConfig.load(MODEL), MODEL))


def test_the_push_builds_cpu_torch_whatever_gpu_hardware_would_get(
    environment: Environment,
) -> None:
    installed = {p.name for p in environment.root.glob("lib/python*/site-packages/torch-*")}

    assert installed == {"torch-2.13.0+cpu.dist-info"}


def test_the_schema_is_sdxl_turbo_s_inputs_and_a_list_of_images(
    client: replicate.Client, sdxl_turbo: str
) -> None:
    version = client.models.get("examples/sdxl-turbo").versions.get(sdxl_turbo.split(":")[1])
    schemas = version.openapi_schema["components"]["schemas"]

    assert schemas["Input"]["required"] == ["prompt"]
    assert list(schemas["Input"]["properties"]) == [
        "prompt",
        "num_inference_steps",
        "width",
        "height",
        "num_outputs",
        "seed",
        "output_format",
    ]
    assert schemas["Output"]["items"] == {"type": "string", "format": "uri"}


def test_without_weights_a_prediction_says_where_to_put_them(
    client: replicate.Client, sdxl_turbo: str
) -> None:
    with pytest.raises(ModelError, match="set SDXL_TURBO_WEIGHTS or COG_WEIGHTS"):
        client.run(sdxl_turbo, input={"prompt": "a lighthouse at dawn"})


@pytest.fixture(scope="module")
def server_with_weights(
    environment: Environment, env_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MimeoServer]:
    weights = tmp_path_factory.mktemp("weights") / "sdxl-turbo"
    subprocess.run([str(environment.python), str(TINY_PIPELINE), str(weights)], check=True)
    # As an operator provides weights: readable by the unprivileged user models run as.
    subprocess.run(["chmod", "-R", "a+rX", str(weights)], check=True)
    data_dir = tmp_path_factory.mktemp("data")
    with running_server(
        data_dir, env_dir, "--examples", "none", SDXL_TURBO_WEIGHTS=str(weights)
    ) as server:
        yield server


def test_with_weights_it_makes_the_images_asked_for(server_with_weights: MimeoServer) -> None:
    version = server_with_weights.push(MODEL, "examples/sdxl-turbo")
    with official_client(server_with_weights) as client:
        outputs = client.run(
            f"examples/sdxl-turbo:{version}",
            input={"prompt": "a lighthouse", "height": 768, "seed": 1},
        )

    (output,) = outputs
    with Image.open(io.BytesIO(httpx.get(str(output), timeout=30).content)) as image:
        assert (image.format, image.size) == ("PNG", (512, 768))
