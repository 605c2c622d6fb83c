"""examples/video-upscale through the unchanged client: Real-ESRGAN on ncnn's CPU path over
every frame of an MP4, which needs the host's libvulkan1 and libomp5 (cog.yaml
system_packages)."""

from __future__ import annotations

import io
import math
from array import array
from collections.abc import Callable
from fractions import Fraction

import av
import httpx
import pytest
import replicate
from PIL import Image, ImageDraw

pytestmark = pytest.mark.slow

FRAMES, RATE, SIZE = 12, 8, (64, 48)
SAMPLE_RATE = 16000


@pytest.fixture(scope="module")
def video_upscale(push_example: Callable[[str], str]) -> str:
    return push_example("video-upscale")


def clip(with_sound: bool = False) -> io.BytesIO:
    """1.5 s of a blue ball crossing a white frame, H.264 at 8 fps; with a 440 Hz AAC tone."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as video:
        stream = video.add_stream("libx264", rate=RATE)
        stream.width, stream.height, stream.pix_fmt = *SIZE, "yuv420p"
        sound = video.add_stream("aac", rate=SAMPLE_RATE, layout="mono") if with_sound else None
        for index in range(FRAMES):
            image = Image.new("RGB", SIZE, "white")
            ImageDraw.Draw(image).ellipse((index * 4, 12, index * 4 + 20, 32), fill="blue")
            video.mux(stream.encode(av.VideoFrame.from_image(image)))  # type: ignore[no-untyped-call]
        video.mux(stream.encode(None))
        if sound is not None:
            tone(video, sound)
    buffer.seek(0)
    buffer.name = "clip.mp4"
    return buffer


def tone(video: av.container.OutputContainer, sound: av.AudioStream, chunk: int = 1024) -> None:
    rate = SAMPLE_RATE
    count = rate * FRAMES // RATE
    samples = array("f", (0.3 * math.sin(2 * math.pi * 440 * n / rate) for n in range(count)))
    for start in range(0, count, chunk):
        part = samples[start : start + chunk]
        frame = av.AudioFrame(format="fltp", layout=sound.layout.name, samples=len(part))
        frame.planes[0].update(part.tobytes())
        frame.sample_rate, frame.pts = rate, start
        video.mux(sound.encode(frame))
    video.mux(sound.encode(None))


def described(data: bytes) -> tuple[int, tuple[int, int], Fraction]:
    """Frame count, size and duration in seconds."""
    with av.open(io.BytesIO(data), mode="r") as video:
        stream = video.streams.video[0]
        frames = list(video.decode(stream))
        assert stream.duration is not None
        duration = Fraction(stream.duration) * stream.time_base
    return len(frames), (frames[0].width, frames[0].height), duration


def test_the_output_is_the_input_s_duration_at_the_new_size(
    client: replicate.Client, video_upscale: str
) -> None:
    source = clip()
    before = described(source.getvalue())

    output = client.run(video_upscale, input={"video": source, "scale": 2})

    response = httpx.get(str(output), timeout=30)
    assert response.headers["content-type"] == "video/mp4"
    assert described(response.content) == (FRAMES, (SIZE[0] * 2, SIZE[1] * 2), before[2])
    assert before[2] == Fraction(FRAMES, RATE)


def test_the_sound_track_is_copied(client: replicate.Client, video_upscale: str) -> None:
    output = client.run(video_upscale, input={"video": clip(with_sound=True), "scale": 2})

    with av.open(io.BytesIO(httpx.get(str(output), timeout=30).content)) as video:
        (sound,) = video.streams.audio
        assert (sound.codec_context.name, sound.sample_rate) == ("aac", SAMPLE_RATE)


def test_progress_shows_in_the_logs_and_the_metrics(
    client: replicate.Client, video_upscale: str
) -> None:
    prediction = client.predictions.create(
        version=video_upscale.rsplit(":", 1)[1], input={"video": clip(), "scale": 4}
    )

    prediction.wait()

    assert prediction.status == "succeeded", prediction.error
    assert f"frame {FRAMES}/{FRAMES}" in (prediction.logs or "")
    assert prediction.metrics is not None
    assert prediction.metrics["frames_upscaled"] == FRAMES
