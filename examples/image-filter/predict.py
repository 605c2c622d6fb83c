"""image-filter: applies one simple Pillow filter to an image and returns a PNG."""
import tempfile

from cog import BaseRunner, Input, Path
from PIL import Image, ImageFilter, ImageOps


class Predictor(BaseRunner):
    def run(
        self,
        image: Path = Input(description="Image to filter (any format Pillow can read)"),
        filter: str = Input(
            description="Filter to apply",
            choices=["grayscale", "blur", "sharpen", "invert", "edges"],
            default="grayscale",
        ),
    ) -> Path:
        with Image.open(image) as src:
            img = src.convert("RGB")
        if filter == "grayscale":
            out = ImageOps.grayscale(img)
        elif filter == "blur":
            out = img.filter(ImageFilter.GaussianBlur(radius=2))
        elif filter == "sharpen":
            out = img.filter(ImageFilter.SHARPEN)
        elif filter == "invert":
            out = ImageOps.invert(img)
        elif filter == "edges":
            out = img.filter(ImageFilter.FIND_EDGES)
        else:
            raise ValueError(f"unknown filter: {filter}")
        path = Path(tempfile.mkdtemp()) / "output.png"
        out.save(path, format="PNG")
        return path
