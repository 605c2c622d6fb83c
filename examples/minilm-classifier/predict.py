"""minilm-classifier: labels a text with a linear head over all-MiniLM-L6-v2 embeddings.

Untrained it tells positive from negative (a head fitted in setup on a few built-in lines);
after ``replicate.trainings.create`` on your own labelled lines, the new version's
``setup(weights)`` loads your head instead and predicts your labels.
"""

import json
from typing import List, Optional, TypedDict

from cog import BaseRunner, Input, Path

import classifier


class Score(TypedDict):
    label: str
    score: float


class Predictor(BaseRunner):
    def setup(self, weights: Optional[Path] = None) -> None:
        self.encoder = classifier.load_encoder()
        if weights:
            self.head = json.loads(Path(weights).read_text())
        else:
            texts, labels = zip(*classifier.DEFAULT_EXAMPLES)
            vectors = classifier.embed(self.encoder, texts)
            self.head = classifier.fit(vectors, labels, epochs=200, learning_rate=2.0)
        print(f"labels: {', '.join(self.head['labels'])}")

    def run(self, text: str = Input(description="The text to label", min_length=1)) -> List[Score]:
        (vector,) = classifier.embed(self.encoder, [text])
        return classifier.scores(self.head, vector)
