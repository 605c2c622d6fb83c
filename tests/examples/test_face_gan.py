"""examples/face-gan through the unchanged client: a DCGAN on CPU torch, installed without its
declared dependencies (they would bring a CUDA torchvision)."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import replicate
from PIL import Image

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def face_gan(push_example: Callable[[str], str]) -> str:
    return push_example("face-gan")


def download(output: object) -> bytes:
    """An output file's bytes, whether the client gave a URL or a FileOutput (over https)."""
    response = httpx.get(str(output), timeout=30)
    response.raise_for_status()
    return response.content


def test_it_returns_the_requested_number_of_faces_at_the_requested_size(
    client: replicate.Client, face_gan: str
) -> None:
    outputs: Any = client.run(face_gan, input={"num_outputs": 3, "size": 128, "seed": 5})

    assert len(outputs) == 3
    for output in outputs:
        with Image.open(io.BytesIO(download(output))) as image:
            assert (image.format, image.size, image.mode) == ("PNG", (128, 128), "RGB")
            assert len(image.getcolors(maxcolors=128 * 128) or []) > 100  # not a flat colour


def test_a_seed_gives_the_same_face_whatever_the_number_asked_for(
    client: replicate.Client, face_gan: str
) -> None:
    many: Any = client.run(face_gan, input={"num_outputs": 2, "size": 64, "seed": 11})
    one: Any = client.run(face_gan, input={"num_outputs": 1, "size": 64, "seed": 11})

    assert download(one[0]) == download(many[0])
    assert download(many[1]) != download(many[0])


def test_other_formats(client: replicate.Client, face_gan: str) -> None:
    (output,) = client.run(face_gan, input={"num_outputs": 1, "output_format": "webp"})

    with Image.open(io.BytesIO(download(output))) as image:
        assert (image.format, image.size) == ("WEBP", (256, 256))
