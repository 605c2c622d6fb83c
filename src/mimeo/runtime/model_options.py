"""Per-model settings mimeo adds beside ``cog.yaml``, in an optional ``mimeo.yaml``.

cog.yaml stays exactly what Cog's own tools accept; what only a serving platform needs (how long
setup and a prediction may take) lives here and travels with the version's archive::

    timeouts:
      setup: 300      # seconds for setup() before the instance is given up
      predict: 60     # seconds for one prediction before it fails
    install:
      no_deps:        # installed after cog.yaml's packages, without their dependencies
        - gan_face_generate==1.1.1
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mimeo.core.errors import InvalidRequest

OPTIONS_FILE = "mimeo.yaml"


class Timeouts(BaseModel):
    model_config = ConfigDict(extra="forbid")

    setup: float | None = Field(default=None, gt=0)
    predict: float | None = Field(default=None, gt=0)


class Install(BaseModel):
    model_config = ConfigDict(extra="forbid")

    no_deps: list[str] = Field(default_factory=list)
    """Requirements installed after cog.yaml's, without their declared dependencies: for
    packages whose metadata pulls in what breaks the environment (a CUDA torchvision beside CPU
    torch, the GUI build of OpenCV)."""


class ModelOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    timeouts: Timeouts = Field(default_factory=Timeouts)
    install: Install = Field(default_factory=Install)

    @classmethod
    def load(cls, model_dir: Path) -> ModelOptions:
        path = model_dir / OPTIONS_FILE
        if not path.is_file():
            return cls()
        try:
            return cls.model_validate(yaml.safe_load(path.read_text()) or {})
        except (yaml.YAMLError, ValidationError) as error:
            raise InvalidRequest(f"{OPTIONS_FILE} is invalid: {error}") from error
