"""Fits a new head on labelled lines; its JSON file is the trained version's weights."""

import json
import tempfile

from cog import BaseModel, Input, Path

import classifier


class TrainingOutput(BaseModel):
    weights: Path


def train(
    examples: Path = Input(
        description='Labelled lines: JSON lines {"text": ..., "label": ...} or CSV label,text'
    ),
    epochs: int = Input(description="Passes of gradient descent", default=300, ge=1, le=5000),
    learning_rate: float = Input(description="Step size", default=2.0, ge=0.001, le=100),
) -> TrainingOutput:
    pairs = classifier.read_examples(Path(examples))
    texts, labels = zip(*pairs)
    print(f"training on {len(pairs)} lines, labels: {', '.join(sorted(set(labels)))}")
    encoder = classifier.load_encoder()
    head = classifier.fit(classifier.embed(encoder, texts), labels, epochs, learning_rate)
    weights = Path(tempfile.mkdtemp()) / "head.json"
    weights.write_text(json.dumps(head))
    return TrainingOutput(weights=weights)
