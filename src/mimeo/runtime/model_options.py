"""Per-model settings mimeo adds beside ``cog.yaml``, in an optional ``mimeo.yaml``.

cog.yaml stays exactly what Cog's own tools accept; what only a serving platform needs (how long
setup and a prediction may take) lives here and travels with the version's archive::

    timeouts:
      setup: 300      # seconds for setup() before the instance is given up
      predict: 60     # seconds for one prediction before it fails
      train: 3600     # seconds for one training (cog.yaml's train:); else as predict
    install:
      no_deps:        # installed after cog.yaml's packages, without their dependencies
        - gan_face_generate==1.1.1
      hardware:       # what a SKU installs instead of cog.yaml's (or no_deps') requirement
        gpu:          # every GPU SKU; a SKU's own name (gpu-h100) wins over it
          torch: torch===2.13.0
          onnxruntime: onnxruntime-gpu==1.30.0
    environment:      # variables of the worker's environment the model may see (by name)
      - HF_TOKEN

So one cog.yaml, pinned to CPU builds that run anywhere (and that ``mimeo push`` builds), gets
the CUDA builds on a GPU node, where the worker builds the environment for the SKU it runs.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from mimeo.core.errors import InvalidRequest
from mimeo.core.hardware import CPU, is_known, known_skus

OPTIONS_FILE = "mimeo.yaml"
ANY_GPU = "gpu"
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def project_name(requirement: str) -> str:
    """``Torch_Vision[extra]==1.0`` → ``torch-vision``: names compared as PyPI compares them."""
    match = _NAME.match(requirement)
    name = match.group(1) if match else requirement.strip()
    return re.sub(r"[-_.]+", "-", name).lower()


VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
RESERVED_PREFIX = "MIMEO_"


class Timeouts(BaseModel):
    model_config = ConfigDict(extra="forbid")

    setup: float | None = Field(default=None, gt=0)
    predict: float | None = Field(default=None, gt=0)
    train: float | None = Field(default=None, gt=0)


class Install(BaseModel):
    model_config = ConfigDict(extra="forbid")

    no_deps: list[str] = Field(default_factory=list)
    """Requirements installed after cog.yaml's, without their declared dependencies: for
    packages whose metadata pulls in what breaks the environment (a CUDA torchvision beside CPU
    torch, the GUI build of OpenCV)."""

    hardware: dict[str, dict[str, str]] = Field(default_factory=dict)
    """Per SKU (or ``gpu`` for every GPU SKU), a requirement's project name → the requirement
    installed in its place: the CUDA build of torch, ``onnxruntime-gpu`` for ``onnxruntime``."""

    @field_validator("hardware")
    @classmethod
    def _known_hardware(cls, value: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        for sku in value:
            if sku != ANY_GPU and (sku == CPU or not is_known(sku)):
                raise ValueError(
                    f"hardware {sku!r} is neither {ANY_GPU!r} nor a GPU SKU ({known_skus()})"
                )
        return value

    def for_hardware(self, sku: str, requirements: list[str]) -> tuple[list[str], list[str]]:
        """cog.yaml's requirements and no_deps as ``sku`` installs them.

        Every SKU's replacements are checked, whichever is built: a name that matches nothing
        the model asks for would give a silent CPU build on a GPU, so the CPU build on a
        laptop (``mimeo push``) already refuses it.
        """
        asked = {project_name(r) for r in [*requirements, *self.no_deps]}
        named = {project_name(n) for entries in self.hardware.values() for n in entries}
        if unknown := sorted(named - asked):
            raise InvalidRequest(
                f"{OPTIONS_FILE} replaces {', '.join(unknown)} under install.hardware, which "
                "the model does not install (cog.yaml python_packages or install.no_deps)"
            )
        chosen: dict[str, str] = {}
        for key in ([ANY_GPU] if sku != CPU else []) + [sku]:
            chosen.update({project_name(n): r for n, r in self.hardware.get(key, {}).items()})

        def swap(lines: list[str]) -> list[str]:
            return [chosen.get(project_name(line), line) for line in lines]

        return swap(requirements), swap(self.no_deps)


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
