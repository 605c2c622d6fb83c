"""sdxl-turbo: text to image in one to four steps with SDXL-Turbo, on a GPU, from weights the
operator provides.

The weights (~7 GB in fp16) are in no PyPI package, so they are looked for, in order, where Cog
passes them (``COG_WEIGHTS``, or a ``weights`` directory beside this file) and in
``SDXL_TURBO_WEIGHTS``, a variable that names them for this model alone on a node that serves
several. Without them the model still starts, so its schema and push work anywhere, and each
prediction fails saying where to put them. On a GPU it runs in fp16 on ``cuda``; on a CPU in
fp32, slowly (tens of seconds per step at 512×512 on two cores).
"""

import os
import secrets
import tempfile
from typing import List, Optional

from cog import BaseRunner, Input, Path

WEIGHTS_VARIABLE = "SDXL_TURBO_WEIGHTS"
FORMATS = {"png": "PNG", "webp": "WEBP", "jpg": "JPEG"}


def weights_directory(weights: Optional[str]) -> Optional[str]:
    """Cog's weights (COG_WEIGHTS or ./weights), else this model's own variable."""
    for candidate in (weights, os.environ.get(WEIGHTS_VARIABLE)):
        if candidate and os.path.isfile(os.path.join(str(candidate), "model_index.json")):
            return str(candidate)
    return None


def missing_weights(weights: Optional[Path]) -> str:
    looked = [str(weights)] if weights else []
    looked += [os.environ[WEIGHTS_VARIABLE]] if os.environ.get(WEIGHTS_VARIABLE) else []
    where = f" (looked in {', '.join(looked)})" if looked else ""
    return (
        "this model needs the SDXL-Turbo weights in diffusers format (a directory with "
        f"model_index.json){where}: set {WEIGHTS_VARIABLE} or COG_WEIGHTS to that directory "
        "on the worker, or put it at ./weights; see the model's README"
    )


class Predictor(BaseRunner):
    def setup(self, weights: Optional[Path] = None) -> None:
        self.pipeline = None
        self.missing = missing_weights(weights)
        directory = weights_directory(str(weights) if weights else None)
        if directory is None:  # start at once, without torch: every prediction says why
            print(f"no SDXL-Turbo weights found: {self.missing}")
            return
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for the Hub
        # Imported here rather than at the top: pushing the model imports this module to read
        # its inputs, and torch plus diffusers take seconds to import.
        import torch
        from diffusers import AutoPipelineForText2Image

        self.torch = torch
        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        dtype = torch.float16 if self.device == "cuda" else torch.float32
        self.pipeline = AutoPipelineForText2Image.from_pretrained(
            directory, dtype=dtype, local_files_only=True
        ).to(self.device)
        self.pipeline.set_progress_bar_config(disable=True)
        print(f"SDXL-Turbo from {directory} on {self.device} ({dtype})")

    def run(
        self,
        prompt: str = Input(description="What the image shows"),
        num_inference_steps: int = Input(
            description="Denoising steps: SDXL-Turbo is distilled for 1 to 4", default=1, ge=1, le=4
        ),
        width: int = Input(description="Width in pixels", choices=[512, 768, 1024], default=512),
        height: int = Input(description="Height in pixels", choices=[512, 768, 1024], default=512),
        num_outputs: int = Input(description="How many images", default=1, ge=1, le=4),
        seed: Optional[int] = Input(
            description="Random seed; leave empty for a random one (it is printed in the logs)",
            default=None,
        ),
        output_format: str = Input(description="Image format", choices=list(FORMATS), default="png"),
    ) -> List[Path]:
        if self.pipeline is None:
            raise RuntimeError(self.missing)
        if seed is None:
            seed = secrets.randbelow(2**31)
        print(f"seed: {seed}")
        generator = self.torch.Generator(self.device).manual_seed(seed)
        images = self.pipeline(
            prompt=prompt,
            num_inference_steps=num_inference_steps,
            guidance_scale=0.0,  # Turbo is trained without classifier-free guidance
            width=width,
            height=height,
            num_images_per_prompt=num_outputs,
            generator=generator,
        ).images
        out_dir = Path(tempfile.mkdtemp())
        paths = []
        for index, image in enumerate(images):
            path = out_dir / f"image-{index}.{output_format}"
            image.save(path, format=FORMATS[output_format])
            paths.append(path)
        return paths
