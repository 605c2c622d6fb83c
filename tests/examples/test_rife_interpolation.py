"""examples/rife-interpolation through the unchanged client: RIFE on CPU torch, key frames in,
an H.264 MP4 out, written by PyAV."""

from __future__ import annotations

import io
from collections.abc import Callable
from fractions import Fraction

import av
import httpx
import pytest
import replicate
from PIL import Image, ImageDraw
from replicate.exceptions import ModelError

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def rife(push_example: Callable[[str], str]) -> str:
    return push_example("rife-interpolation")


def key_frame(x: int, size: tuple[int, int] = (96, 64)) -> io.BytesIO:
    """A red ball at ``x`` on white: the images the video moves between."""
    image = Image.new("RGB", size, "white")
    ImageDraw.Draw(image).ellipse((x, 20, x + 24, 44), fill="red")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    buffer.seek(0)
    return buffer


def download(output: object) -> httpx.Response:
    response = httpx.get(str(output), timeout=30)
    response.raise_for_status()
    return response


def test_the_video_has_every_image_and_the_frames_between_at_their_size(
    client: replicate.Client, rife: str
) -> None:
    images = [key_frame(8), key_frame(36), key_frame(64)]

    output = client.run(rife, input={"images": images, "fps": 12, "multiplier": 3})

    response = download(output)
    assert response.headers["content-type"] == "video/mp4"
    with av.open(io.BytesIO(response.content), mode="r") as video:
        stream = video.streams.video[0]
        frames = list(video.decode(stream))
        assert stream.codec_context.name == "h264"
        assert stream.average_rate == Fraction(12)
    assert len(frames) == (3 - 1) * 3 + 1
    assert {(frame.width, frame.height) for frame in frames} == {(96, 64)}


def test_an_interpolated_frame_moves_the_ball_halfway_rather_than_fading(
    client: replicate.Client, rife: str
) -> None:
    output = client.run(rife, input={"images": [key_frame(8), key_frame(32)], "multiplier": 2})

    with av.open(io.BytesIO(download(output).content), mode="r") as video:
        middle = list(video.decode(video=0))[1].to_image().convert("RGB")  # type: ignore[no-untyped-call]
    red = [x for x in range(96) if middle.getpixel((x, 32))[1] < 100]
    assert len(red) >= 16  # one whole ball, not two half-faded ones
    assert red == list(range(red[0], red[-1] + 1))
    assert 26 <= (red[0] + red[-1]) / 2 <= 38  # its centre went from 20 to 44


def test_one_image_is_not_enough(client: replicate.Client, rife: str) -> None:
    with pytest.raises(ModelError, match="at least two images"):
        client.run(rife, input={"images": [key_frame(8)]})
