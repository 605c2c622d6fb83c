"""The silero-vad example through the official client: speech made in the test by formant
synthesis (a pulse train through three vowel resonators, four syllables a second) is found
where it was put, and silence holds none."""

from __future__ import annotations

import array
import math
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import replicate
from replicate.exceptions import ModelError

pytestmark = pytest.mark.slow

RATE = 44100  # not 16 kHz, so that the example's resampling is on the path
SPEECH_START, SPEECH_END = 1.0, 2.5
SLACK = 0.3
VOWELS = [(730, 1090, 2440), (270, 2290, 3010), (530, 1840, 2480), (300, 870, 2240)]


@pytest.fixture(scope="module")
def model(push_example: Callable[[str], str]) -> str:
    return push_example("silero-vad")


def voiced(seconds: float, f0: float = 130.0, syllables_per_second: float = 4.0) -> list[float]:
    """Vowel-like syllables: glottal pulses at a wavering pitch through one two-pole resonator
    per formant, each syllable swelling and fading. (A pure tone is not speech to Silero.)"""
    samples: list[float] = []
    total, syllable = int(seconds * RATE), int(RATE / syllables_per_second)
    phase = 0.0
    for start in range(0, total, syllable):
        length = min(syllable, total - start)
        resonators = []
        for index, formant in enumerate(VOWELS[(start // syllable) % len(VOWELS)]):
            radius = math.exp(-math.pi * (80.0 + 40.0 * index) / RATE)
            resonators.append((2 * radius * math.cos(2 * math.pi * formant / RATE), -(radius**2)))
        memory = [[0.0, 0.0] for _ in resonators]
        part: list[float] = []
        for offset in range(length):
            pitch = f0 * (1 + 0.1 * math.sin(2 * math.pi * 2.5 * (start + offset) / RATE))
            phase += pitch / RATE
            value = 0.0
            if phase >= 1.0:
                phase -= 1.0
                value = 1.0
            for (a1, a2), state in zip(resonators, memory, strict=True):
                value += a1 * state[0] + a2 * state[1]
                state[1], state[0] = state[0], value
            part.append(value * math.sin(math.pi * offset / length) ** 0.5)
        peak = max(abs(value) for value in part) or 1.0
        samples.extend(0.4 * value / peak for value in part)
    return samples


def write_wav(path: Path, mono: list[float]) -> Path:
    """16-bit stereo (the same signal twice), to exercise the example's mix-down too."""
    frames = array.array("h")
    for value in mono:
        frames.extend([round(value * 32767)] * 2)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(frames.tobytes())
    return path


def silence(seconds: float) -> list[float]:
    return [0.0] * int(seconds * RATE)


@pytest.fixture(scope="module")
def speech_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    mono = silence(SPEECH_START) + voiced(SPEECH_END - SPEECH_START) + silence(1.0)
    return write_wav(tmp_path_factory.mktemp("vad") / "speech.wav", mono)


def detect(client: replicate.Client, model: str, wav: Path, **options: Any) -> Any:
    with wav.open("rb") as file:
        return client.run(model, input={"audio": file, **options})


def test_finds_the_speech_where_it_was_put(
    client: replicate.Client, model: str, speech_wav: Path
) -> None:
    output = detect(client, model, speech_wav)

    segments = output["segments"]
    assert len(segments) >= 1
    for segment in segments:
        assert SPEECH_START - SLACK <= segment["start"] < segment["end"] <= SPEECH_END + SLACK
    assert output["duration_seconds"] == pytest.approx(3.5, abs=0.01)
    assert output["speech_seconds"] == pytest.approx(
        sum(segment["end"] - segment["start"] for segment in segments), abs=0.01
    )
    assert output["speech_seconds"] >= 0.5 * (SPEECH_END - SPEECH_START)


def test_speech_pad_widens_the_segment(
    client: replicate.Client, model: str, speech_wav: Path
) -> None:
    tight = detect(client, model, speech_wav, speech_pad_ms=0)["segments"]
    padded = detect(client, model, speech_wav, speech_pad_ms=400)["segments"]

    assert padded[0]["start"] <= tight[0]["start"] - 0.3


def test_silence_holds_no_speech(client: replicate.Client, model: str, tmp_path: Path) -> None:
    output = detect(client, model, write_wav(tmp_path / "silence.wav", silence(2.0)))

    assert output["segments"] == []
    assert output["speech_seconds"] == 0
    assert output["duration_seconds"] == pytest.approx(2.0, abs=0.01)


def test_a_file_that_is_not_a_wav_fails_the_prediction(
    client: replicate.Client, model: str, tmp_path: Path
) -> None:
    not_wav = tmp_path / "speech.mp3"
    not_wav.write_bytes(b"ID3" + bytes(64))

    with pytest.raises(ModelError, match="not a WAV file"):
        detect(client, model, not_wav)
