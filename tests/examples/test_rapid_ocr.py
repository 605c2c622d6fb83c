"""The rapid-ocr example through the official client: text rendered with Pillow comes back as
lines with a confidence and a four-point box, and as one joined string."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import replicate
from PIL import Image, ImageDraw, ImageFont

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def model(push_example: Callable[[str], str]) -> str:
    return push_example("rapid-ocr")


def render(path: Path, *lines: str) -> Path:
    """Black text on white in Pillow's bundled font, so no system font is needed."""
    font = ImageFont.load_default(size=64)
    image = Image.new("RGB", (720, 40 + 110 * len(lines)), "white")
    draw = ImageDraw.Draw(image)
    for row, line in enumerate(lines):
        draw.text((40, 40 + 110 * row), line, fill="black", font=font)
    image.save(path)
    return path


def squeezed(text: str) -> str:
    """RapidOCR reads the letters right but sometimes drops the spaces between words."""
    return "".join(text.split()).lower()


def test_reads_rendered_lines_top_to_bottom(
    client: replicate.Client, model: str, tmp_path: Path
) -> None:
    image = render(tmp_path / "two-lines.png", "MIMEO OCR 2026", "Second line 42")
    with image.open("rb") as file:
        output: Any = client.run(model, input={"image": file})

    lines = output["lines"]
    assert len(lines) == 2
    assert "mimeoocr2026" in squeezed(lines[0]["text"])
    assert "secondline42" in squeezed(lines[1]["text"])
    assert output["text"] == "\n".join(line["text"] for line in lines)
    for line in lines:
        assert 0.5 < line["confidence"] <= 1.0
        assert len(line["box"]) == 4
        assert all(len(point) == 2 for point in line["box"])
    first_top = min(y for _, y in lines[0]["box"])
    second_top = min(y for _, y in lines[1]["box"])
    assert first_top < second_top


def test_an_image_without_text_gives_no_lines(
    client: replicate.Client, model: str, tmp_path: Path
) -> None:
    blank = tmp_path / "blank.png"
    Image.new("RGB", (200, 100), "white").save(blank)
    with blank.open("rb") as file:
        output: Any = client.run(model, input={"image": file})

    assert output == {"text": "", "lines": []}
