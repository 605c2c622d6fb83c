"""silero-vad: where the speech is in a WAV file, with Silero VAD on ONNX Runtime (CPU).

The ONNX model ships inside the ``silero-vad`` package, so nothing is downloaded. The WAV is
read here (PCM 8/16/24/32-bit or IEEE float, any channel count, mixed down to mono) and
resampled to 16 kHz with a windowed-sinc filter in torch, so neither torchaudio nor ffmpeg is
needed.
"""

import math
import struct
from typing import List, Tuple, TypedDict

import numpy as np
from cog import BaseModel, BaseRunner, Input, Path

MODEL_RATE = 16000  # Silero VAD runs on 16 kHz audio, in windows of 512 samples (32 ms)
PCM, IEEE_FLOAT, EXTENSIBLE = 1, 3, 0xFFFE


class Segment(TypedDict):
    start: float
    end: float


class Output(BaseModel):
    segments: List[Segment]
    speech_seconds: float
    duration_seconds: float


class Predictor(BaseRunner):
    def setup(self) -> None:
        # Imported here rather than at the top: pushing the model imports this module to read
        # its inputs, and torch takes a while to import.
        import torch
        from silero_vad import get_speech_timestamps, load_silero_vad

        self.torch = torch
        self.get_speech_timestamps = get_speech_timestamps
        self.model = load_silero_vad(onnx=True)  # sets torch to one thread, as does its session
        self.get_speech_timestamps(torch.zeros(MODEL_RATE), self.model)  # warm up

    def run(
        self,
        audio: Path = Input(
            description="Audio as a WAV file (PCM or float, any rate, any channels)"
        ),
        threshold: float = Input(
            description="Speech probability above which a 32 ms window counts as speech",
            default=0.5,
            ge=0.0,
            le=1.0,
        ),
        min_silence_duration_ms: int = Input(
            description="Silence shorter than this does not end a segment",
            default=100,
            ge=0,
            le=10000,
        ),
        speech_pad_ms: int = Input(
            description="Padding added to both sides of each segment",
            default=30,
            ge=0,
            le=2000,
        ),
    ) -> Output:
        samples, rate = read_wav(audio.read_bytes())
        duration = len(samples) / rate
        speech = resample(self.torch.from_numpy(samples), rate, MODEL_RATE)
        found = self.get_speech_timestamps(
            speech,
            self.model,
            threshold=threshold,
            sampling_rate=MODEL_RATE,
            min_silence_duration_ms=min_silence_duration_ms,
            speech_pad_ms=speech_pad_ms,
        )
        segments: List[Segment] = [
            {
                "start": round(item["start"] / MODEL_RATE, 3),
                "end": round(min(item["end"] / MODEL_RATE, duration), 3),
            }
            for item in found
        ]
        speech_seconds = sum(segment["end"] - segment["start"] for segment in segments)
        print(f"{len(segments)} segments, {speech_seconds:.2f} s of speech in {duration:.2f} s")
        return Output(
            segments=segments,
            speech_seconds=round(speech_seconds, 3),
            duration_seconds=round(duration, 3),
        )


def read_wav(data: bytes) -> Tuple[np.ndarray, int]:
    """Mono float32 samples in [-1, 1] and the sample rate of a RIFF/WAVE file."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError("audio: not a WAV file (no RIFF/WAVE header)")
    fmt, raw, offset = None, None, 12
    while offset + 8 <= len(data):
        chunk_id, size = struct.unpack_from("<4sI", data, offset)
        body = data[offset + 8 : offset + 8 + size]
        if chunk_id == b"fmt ":
            fmt = body
        elif chunk_id == b"data":
            raw = body  # a truncated file keeps the samples that are there
            break
        offset += 8 + size + (size & 1)  # chunks are padded to an even length
    if fmt is None or raw is None:
        raise ValueError("audio: a WAV file needs a 'fmt ' and a 'data' chunk")
    kind, channels, rate = struct.unpack_from("<HHI", fmt)
    bits = struct.unpack_from("<H", fmt, 14)[0]
    if kind == EXTENSIBLE and len(fmt) >= 26:
        kind = struct.unpack_from("<H", fmt, 24)[0]  # the sub-format GUID starts with the tag
    if channels < 1 or rate < 1:
        raise ValueError("audio: the WAV header has no channels or no sample rate")
    width = bits // 8
    usable = len(raw) - len(raw) % (width * channels or 1)
    raw = raw[:usable]
    if kind == IEEE_FLOAT and bits in (32, 64):
        samples = np.frombuffer(raw, dtype=f"<f{width}").astype(np.float32)
    elif kind == PCM and bits == 8:
        samples = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128) / 128
    elif kind == PCM and bits in (16, 32):
        samples = np.frombuffer(raw, dtype=f"<i{width}").astype(np.float32) / 2 ** (bits - 1)
    elif kind == PCM and bits == 24:
        triples = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        values = triples[:, 0] | (triples[:, 1] << 8) | (triples[:, 2] << 16)
        samples = (np.where(values >= 1 << 23, values - (1 << 24), values) / 2**23).astype(
            np.float32
        )
    else:
        raise ValueError(f"audio: unsupported WAV encoding (format {kind}, {bits} bits)")
    return samples.reshape(-1, channels).mean(axis=1, dtype=np.float32), rate


def resample(samples, rate: int, target: int, zeros: int = 6, rolloff: float = 0.99):
    """Band-limited resampling with a Hann-windowed sinc, as torchaudio's default does it: one
    filter per output phase, applied as a strided convolution."""
    import torch

    if rate == target or len(samples) == 0:
        return samples
    gcd = math.gcd(rate, target)
    orig, new = rate // gcd, target // gcd
    cutoff = min(orig, new) * rolloff
    width = math.ceil(zeros * orig / cutoff)
    taps = torch.arange(-width, width + orig, dtype=torch.float64)[None, None] / orig
    t = (torch.arange(0, -new, -1, dtype=torch.float64)[:, None, None] / new + taps) * cutoff
    t = t.clamp(-zeros, zeros)
    window = torch.cos(t * math.pi / zeros / 2) ** 2
    t = t * math.pi
    sinc = torch.where(t == 0, torch.ones_like(t), torch.sin(t) / t)
    kernel = (sinc * window * cutoff / orig).float()
    padded = torch.nn.functional.pad(samples.view(1, 1, -1), (width, width + orig))
    out = torch.nn.functional.conv1d(padded, kernel, stride=orig)
    return out.transpose(1, 2).reshape(-1)[: math.ceil(new * len(samples) / orig)]
