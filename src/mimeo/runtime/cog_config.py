"""``cog.yaml``, parsed into what mimeo needs to build and run a model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from mimeo.core.errors import InvalidRequest


class _CogYamlLoader(yaml.SafeLoader):
    """Floats stay text, as Cog's Go parser keeps them: ``python_version: 3.10`` is "3.10"."""


_CogYamlLoader.add_constructor(
    "tag:yaml.org,2002:float",
    lambda loader, node: loader.construct_scalar(node),  # type: ignore[arg-type]
)


def parse_cog_yaml(text: str | bytes) -> dict[str, Any]:
    raw = yaml.load(text, Loader=_CogYamlLoader) or {}
    if not isinstance(raw, dict):
        raise yaml.YAMLError("cog.yaml must be a mapping")
    return raw


class BuildConfig(BaseModel):
    model_config = ConfigDict(extra="allow")

    python_version: str = "3.11"
    python_packages: list[str] = Field(default_factory=list)
    python_requirements: str | None = None
    system_packages: list[str] = Field(default_factory=list)
    gpu: bool = False
    cuda: str | None = None

    @field_validator("python_version", mode="before")
    @classmethod
    def _version_as_text(cls, value: Any) -> str:
        return str(value)


class ConcurrencyConfig(BaseModel):
    max: int = Field(default=1, ge=1)


class CogConfig(BaseModel):
    """The fields of cog.yaml mimeo honours; unknown keys are kept but ignored."""

    model_config = ConfigDict(extra="allow")

    build: BuildConfig = Field(default_factory=BuildConfig)
    predict: str | None = None
    train: str | None = None
    image: str | None = None
    concurrency: ConcurrencyConfig = Field(default_factory=ConcurrencyConfig)

    @classmethod
    def load(cls, model_dir: Path) -> CogConfig:
        path = model_dir / "cog.yaml"
        if not path.is_file():
            raise InvalidRequest(f"{model_dir} has no cog.yaml")
        try:
            config = cls.model_validate(parse_cog_yaml(path.read_text()))
        except (yaml.YAMLError, ValidationError) as error:
            raise InvalidRequest(f"{path} is not a valid cog.yaml: {error}") from error
        if not config.predict:
            raise InvalidRequest(f"{path} has no 'predict:' entry (like predict.py:Predictor)")
        return config

    def requirements(self, model_dir: Path) -> list[str]:
        """Every package line the model asks for, from python_packages and python_requirements."""
        lines = list(self.build.python_packages)
        if self.build.python_requirements:
            requirements = model_dir / self.build.python_requirements
            if not requirements.is_file():
                raise InvalidRequest(f"python_requirements file {requirements} does not exist")
            for line in requirements.read_text().splitlines():
                line = line.split("#", 1)[0].strip()
                if line:
                    lines.append(line)
        return lines
