"""examples/piper-tts through the unchanged client: Piper with a voice shipped in a PyPI
package, speaking a WAV (or an MP3 encoded by lameenc)."""

from __future__ import annotations

import io
import wave
from collections.abc import Callable

import httpx
import pytest
import replicate

pytestmark = pytest.mark.slow

TEXT = "Mimeo runs this voice on two small cores, faster than anyone can speak."


@pytest.fixture(scope="module")
def piper(push_example: Callable[[str], str]) -> str:
    return push_example("piper-tts")


def download(output: object) -> bytes:
    """An output file's bytes, whether the client gave a URL or a FileOutput (over https)."""
    response = httpx.get(str(output), timeout=30)
    response.raise_for_status()
    return response.content


def seconds(wav: bytes) -> float:
    with wave.open(io.BytesIO(wav)) as audio:
        assert (audio.getnchannels(), audio.getsampwidth(), audio.getframerate()) == (1, 2, 22050)
        return audio.getnframes() / audio.getframerate()


def test_it_speaks_the_text_as_a_wav_of_plausible_length(
    client: replicate.Client, piper: str
) -> None:
    output = client.run(piper, input={"text": TEXT})

    words = len(TEXT.split())
    assert str(output).split("?")[0].endswith(".wav")  # the name tells the format
    assert 0.3 * words <= seconds(download(output)) <= 1.5 * words


def test_a_higher_speed_speaks_faster(client: replicate.Client, piper: str) -> None:
    normal = seconds(download(client.run(piper, input={"text": TEXT})))
    fast = seconds(download(client.run(piper, input={"text": TEXT, "speed": 2.0})))

    assert fast < 0.7 * normal


def test_mp3(client: replicate.Client, piper: str) -> None:
    mp3 = download(client.run(piper, input={"text": "Hello.", "output_format": "mp3"}))

    assert mp3[:3] == b"ID3" or (mp3[0] == 0xFF and mp3[1] & 0xE0 == 0xE0)  # an MPEG frame
