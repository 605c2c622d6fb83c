"""``mimeo predict DIR``: run a model directory once, locally, without a server (like cog)."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from rich.console import Console

from mimeo.cli.inputs import parse_inputs
from mimeo.core.output_schema import as_read
from mimeo.runtime.cog_events import Completed, Log
from mimeo.runtime.environment import EnvironmentBuilder
from mimeo.runtime.instance import CogInstance
from mimeo.runtime.prepare import prepare


async def predict_locally(
    model_dir: Path, pairs: list[str], builder: EnvironmentBuilder, console: Console
) -> Completed:
    with console.status("building the environment") as status:
        prepared = await prepare(model_dir, builder, lambda line: status.update(line[:100]))
        payload: dict[str, Any] = parse_inputs(pairs, prepared.schema)
        assert prepared.config.predict is not None
        status.update("running setup()")
        log_file = Path(tempfile.mkstemp(prefix="mimeo-predict-", suffix=".log")[1])
        instance = CogInstance(model_dir, prepared.environment, prepared.config.predict, log_file)
        try:
            await instance.start()
            status.update("predicting")
            result = Completed("failed", error="the model produced no result")
            async for event in instance.predict("local", payload):
                if isinstance(event, Log):
                    console.print(event.text.rstrip("\n"), style="dim", markup=False)
                elif isinstance(event, Completed):
                    result = event
            return replace(result, output=as_read(prepared.schema, result.output))
        finally:
            await instance.stop()
