"""examples/real-esrgan through the unchanged client: Real-ESRGAN on ncnn's CPU path, which
needs the host's libvulkan1 and libomp5 (cog.yaml system_packages)."""

from __future__ import annotations

import io
from collections.abc import Callable

import httpx
import pytest
import replicate
from PIL import Image, ImageDraw
from replicate.exceptions import ModelError

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def real_esrgan(push_example: Callable[[str], str]) -> str:
    return push_example("real-esrgan")


def download(output: object) -> bytes:
    """An output file's bytes, whether the client gave a URL or a FileOutput (over https)."""
    response = httpx.get(str(output), timeout=30)
    response.raise_for_status()
    return response.content


def drawing(size: tuple[int, int], mode: str = "RGB") -> io.BytesIO:
    image = Image.new(mode, size, "white")
    ImageDraw.Draw(image).ellipse((4, 4, size[0] - 4, size[1] - 4), outline="red", width=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    buffer.seek(0)
    return buffer


@pytest.mark.parametrize("scale", [2, 4])
def test_the_output_is_the_input_times_the_scale(
    client: replicate.Client, real_esrgan: str, scale: int
) -> None:
    output = client.run(real_esrgan, input={"image": drawing((48, 32)), "scale": scale})

    with Image.open(io.BytesIO(download(output))) as image:
        assert (image.format, image.size, image.mode) == ("PNG", (48 * scale, 32 * scale), "RGB")


def test_transparency_is_kept(client: replicate.Client, real_esrgan: str) -> None:
    output = client.run(real_esrgan, input={"image": drawing((40, 40), "RGBA"), "scale": 2})

    with Image.open(io.BytesIO(download(output))) as image:
        assert (image.size, image.mode) == ((80, 80), "RGBA")


def test_the_photo_model_refuses_a_scale_it_lacks(
    client: replicate.Client, real_esrgan: str
) -> None:
    with pytest.raises(ModelError, match="4 only"):
        client.run(real_esrgan, input={"image": drawing((16, 16)), "scale": 2, "model": "photo"})
