"""A model directory made ready to run: its environment built and its schema generated."""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mimeo.runtime.archive import SCHEMA_PATH
from mimeo.runtime.cog_config import CogConfig
from mimeo.runtime.environment import BuildFailed, Environment, EnvironmentBuilder, ProgressCallback
from mimeo.runtime.openapi import build_schema
from mimeo.runtime.schema_probe import SYNTAX_ERROR_EXIT

PROBE = Path(__file__).with_name("schema_probe.py")


@dataclass(frozen=True)
class PreparedModel:
    directory: Path
    config: CogConfig
    environment: Environment
    schema: dict[str, Any]


async def generate_schema(
    env: Environment, model_dir: Path, predict_ref: str, train_ref: str | None = None
) -> dict[str, Any]:
    """Cog's document for the predictor, with its training side when cog.yaml has ``train:``."""
    facts = await _probe(env, model_dir, predict_ref)
    training = None if train_ref is None else await _probe(env, model_dir, train_ref)
    return build_schema(facts, training)


async def _probe(env: Environment, model_dir: Path, predict_ref: str) -> dict[str, Any]:
    process = await asyncio.create_subprocess_exec(
        str(env.python),
        "-W",
        "ignore",
        str(PROBE),
        predict_ref,
        cwd=model_dir,
        # The model directory gets only what Cog writes (.cog/), no __pycache__.
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    if process.returncode == SYNTAX_ERROR_EXIT:
        raise BuildFailed(
            f"Syntax error in the model's code: {err.decode(errors='replace').strip()}. "
            "Fix that line and try again."
        )
    if process.returncode != 0:
        raise BuildFailed(
            f"could not read the predictor {predict_ref} in {model_dir}:\n"
            + err.decode(errors="replace")[-4000:]
        )
    facts: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return facts


async def prepare(
    model_dir: Path, builder: EnvironmentBuilder, progress: ProgressCallback | None = None
) -> PreparedModel:
    """Build the environment and write ``.cog/openapi_schema.json`` so coglet validates input."""
    config = CogConfig.load(model_dir)
    env = await builder.ensure(config, model_dir, progress)
    assert config.predict is not None
    schema = await generate_schema(env, model_dir, config.predict, config.train)
    schema_file = model_dir / SCHEMA_PATH
    schema_file.parent.mkdir(exist_ok=True)
    schema_file.write_text(json.dumps(schema, indent=2))
    return PreparedModel(model_dir, config, env, schema)
