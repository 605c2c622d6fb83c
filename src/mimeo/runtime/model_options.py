"""Per-model settings mimeo adds beside ``cog.yaml``, in an optional ``mimeo.yaml``.

cog.yaml stays exactly what Cog's own tools accept; what only a serving platform needs (how long
setup and a prediction may take) lives here and travels with the version's archive::

    timeouts:
      setup: 300      # seconds for setup() before the instance is given up
      predict: 60     # seconds for one prediction before it fails
    install:
      no_deps:        # installed after cog.yaml's packages, without their dependencies
        - gan_face_generate==1.1.1
    environment:      # variables of the worker's environment the model may see (by name)
      - HF_TOKEN
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from mimeo.core.errors import InvalidRequest

OPTIONS_FILE = "mimeo.yaml"
VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
RESERVED_PREFIX = "MIMEO_"


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
    environment: list[str] = Field(default_factory=list)
    """Names of the worker's variables handed to the model (a token for a model hub, say); a
    model process sees no other variable of the worker's. mimeo's own (``MIMEO_*``) are never
    handed over, whoever asks: the person pushing a model is not the operator."""

    @field_validator("environment")
    @classmethod
    def _plain_names(cls, names: list[str]) -> list[str]:
        for name in names:
            if not VARIABLE_NAME.fullmatch(name):
                raise ValueError(f"{name!r} is not an environment variable name")
            if name.upper().startswith(RESERVED_PREFIX):
                raise ValueError(f"{name} is mimeo's own and never reaches a model")
        return names

    @classmethod
    def load(cls, model_dir: Path) -> ModelOptions:
        path = model_dir / OPTIONS_FILE
        if not path.is_file():
            return cls()
        try:
            return cls.model_validate(yaml.safe_load(path.read_text()) or {})
        except (yaml.YAMLError, ValidationError) as error:
            raise InvalidRequest(f"{OPTIONS_FILE} is invalid: {error}") from error
