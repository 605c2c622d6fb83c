"""face-gan: faces from the DCGAN generator that ships inside ``gan_face_generate``.

The generator makes 64×64 RGB faces from 100-dimensional noise (trained on DigiFace-1M); each
face is resized with Lanczos to the requested size. Face ``i`` depends only on the seed and
``i``, so one seed always gives the same faces, whatever ``num_outputs`` is.
"""

import importlib.resources
import secrets
import tempfile
from typing import List, Optional

import numpy as np
import torch
from cog import BaseRunner, Input, Path
from gan_face_generate.models import Generator
from PIL import Image

LATENT_SIZE = 100
NATIVE_SIZE = 64
FORMATS = {"png": "PNG", "webp": "WEBP", "jpg": "JPEG"}


class Predictor(BaseRunner):
    def setup(self) -> None:
        # CUDA when the platform gave this process a GPU (mimeo sets CUDA_VISIBLE_DEVICES and,
        # on GPU hardware, installs CUDA torch: mimeo.yaml).
        self.device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        weights = importlib.resources.files("gan_face_generate") / "weights.tar"
        with importlib.resources.as_file(weights) as path:
            checkpoint = torch.load(path, map_location=self.device, weights_only=True)
        self.generator = Generator(0, 3, LATENT_SIZE, NATIVE_SIZE).to(self.device)
        self.generator.load_state_dict(checkpoint["netG_state_dict"])
        self.generator.eval()
        with torch.inference_mode():  # the first call is several times slower than the rest
            self.generator(torch.zeros(1, LATENT_SIZE, 1, 1, device=self.device))

    def run(
        self,
        num_outputs: int = Input(description="How many faces to generate", default=4, ge=1, le=16),
        seed: Optional[int] = Input(
            description="Random seed; leave empty for a random one (it is printed in the logs)",
            default=None,
        ),
        size: int = Input(
            description="Width and height of each image in pixels (the GAN makes 64×64; larger "
            "sizes are Lanczos upscales)",
            choices=[64, 128, 256, 512],
            default=256,
        ),
        output_format: str = Input(
            description="Image format", choices=list(FORMATS), default="png"
        ),
    ) -> List[Path]:
        if seed is None:
            seed = secrets.randbelow(2**31)
        print(f"seed: {seed}")
        noise = torch.Generator().manual_seed(seed)
        latents = torch.cat(
            [torch.randn(1, LATENT_SIZE, 1, 1, generator=noise) for _ in range(num_outputs)]
        )
        with torch.inference_mode():  # noise drawn on the CPU: one seed, one noise, any device
            faces = self.generator(latents.to(self.device)).cpu()
        pixels = ((faces.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
        out_dir = Path(tempfile.mkdtemp())
        outputs = []
        for index, face in enumerate(pixels.permute(0, 2, 3, 1).numpy()):
            image = Image.fromarray(np.ascontiguousarray(face))
            if size != NATIVE_SIZE:
                image = image.resize((size, size), Image.Resampling.LANCZOS)
            path = out_dir / f"face-{index}.{output_format}"
            image.save(path, format=FORMATS[output_format])
            outputs.append(path)
        return outputs
