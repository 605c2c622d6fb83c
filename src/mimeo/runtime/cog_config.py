"""``cog.yaml``, parsed into what mimeo needs to build and run a model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from mimeo.core.errors import InvalidRequest
from mimeo.runtime.model_environment import parse_environment

MINIMUM_PYTHON = (3, 10)


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
        return str(value).strip()

    @field_validator("python_version")
    @classmethod
    def _version_cog_supports(cls, version: str) -> str:
        """Cog's rule: major and minor numbers, and no older than its oldest Python."""
        parts = version.split(".", 2)
        if len(parts) < 2 or not (parts[0].isdigit() and parts[1].isdigit()):
            raise ValueError("must include major and minor version (e.g., '3.11')")
        if (int(parts[0]), int(parts[1])) < MINIMUM_PYTHON:
            raise ValueError("minimum supported Python version is {}.{}".format(*MINIMUM_PYTHON))
        return version


class ConcurrencyConfig(BaseModel):
    max: int = Field(default=1, ge=1)


class CogConfig(BaseModel):
    """The fields of cog.yaml mimeo honours; unknown keys are kept but ignored."""

    model_config = ConfigDict(extra="allow")

    build: BuildConfig = Field(default_factory=BuildConfig)
    predict: str | None = None
    run: str | None = None
    """The new-style name for ``predict`` (``run.py:Runner``); read into ``predict``."""
    train: str | None = None
    image: str | None = None
    concurrency: ConcurrencyConfig = Field(default_factory=ConcurrencyConfig)
    environment: list[str] = Field(default_factory=list)

    @field_validator("environment")
    @classmethod
    def _environment_as_cog_accepts_it(cls, entries: list[str]) -> list[str]:
        parse_environment(entries)
        return entries

    @model_validator(mode="after")
    def _run_is_predict(self) -> CogConfig:
        """Cog's parser treats ``run:`` as ``predict:`` and refuses a file that sets both."""
        if self.run and self.predict:
            raise ValueError("only one of run or predict can be set")
        if self.run:
            self.predict = self.run
        return self

    @property
    def environment_variables(self) -> dict[str, str]:
        return parse_environment(self.environment)

    @classmethod
    def load(cls, model_dir: Path) -> CogConfig:
        path = model_dir / "cog.yaml"
        if not path.is_file():
            raise InvalidRequest(f"{model_dir} has no cog.yaml")
        try:
            config = cls.model_validate(parse_cog_yaml(path.read_text()))
        except yaml.YAMLError as error:
            raise InvalidRequest(f"{path} is not a valid cog.yaml: {error}") from error
        except ValidationError as error:
            raise InvalidRequest(f"{path} is not a valid cog.yaml: {_problems(error)}") from error
        if not config.predict:
            raise InvalidRequest(f"{path} has no 'run:' or 'predict:' entry (like run.py:Runner)")
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


def _problems(error: ValidationError) -> str:
    """Each problem as ``field: message``, on one line, without pydantic's links."""
    return "; ".join(
        ".".join(str(part) for part in problem["loc"]) + ": " + problem["msg"]
        if problem["loc"]
        else problem["msg"]
        for problem in error.errors(include_url=False)
    )
