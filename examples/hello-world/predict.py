"""hello-world: the smallest useful Cog model. Greets whoever you name."""
from cog import BaseRunner, Input


class Predictor(BaseRunner):
    def run(self, text: str = Input(description="Who to greet", default="world")) -> str:
        return f"hello {text}"
