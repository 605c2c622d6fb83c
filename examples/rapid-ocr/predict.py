"""rapid-ocr: text detection and recognition with RapidOCR on ONNX Runtime.

The detection, orientation and recognition models ship inside ``rapidocr_onnxruntime``. They
run on the CPU, or through ONNX Runtime's CUDA provider when the platform gave this process a
GPU and installed ``onnxruntime-gpu`` (mimeo.yaml does on GPU hardware).
"""

import os
from typing import List, TypedDict

import onnxruntime
from cog import BaseModel, BaseRunner, Input, Path
from rapidocr_onnxruntime import RapidOCR


def use_cuda() -> bool:
    visible = os.environ.get("CUDA_VISIBLE_DEVICES", "").strip()
    return bool(visible) and "CUDAExecutionProvider" in onnxruntime.get_available_providers()


class Line(TypedDict):
    text: str
    confidence: float
    box: List[List[float]]


class Output(BaseModel):
    text: str
    lines: List[Line]


class Predictor(BaseRunner):
    def setup(self) -> None:
        # Scale the longest side down to 960 px for detection: the default (shortest side up to
        # 736 px) costs 0.6-2.5 s per image here instead of ~0.2 s.
        cuda = use_cuda()
        self.engine = RapidOCR(
            det_limit_type="max",
            det_limit_side_len=960,
            det_use_cuda=cuda,
            cls_use_cuda=cuda,
            rec_use_cuda=cuda,
        )
        print("ONNX Runtime on " + ("CUDA" if cuda else "the CPU"))

    def run(
        self,
        image: Path = Input(description="Image with text (any format OpenCV or Pillow reads)"),
    ) -> Output:
        found, _elapsed = self.engine(str(image))
        lines: List[Line] = [
            {
                "text": text,
                "confidence": round(float(score), 4),
                "box": [[float(x), float(y)] for x, y in box],
            }
            for box, text, score in found or []
        ]
        return Output(text="\n".join(line["text"] for line in lines), lines=lines)
