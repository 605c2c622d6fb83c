"""Push a model directory: build its environment here, generate its schema, upload the archive.

Building on the pushing machine, as ``cog push`` does, means the API never runs model code and
a broken predictor is reported to its author before anything is uploaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from rich.console import Console

from mimeo.core.identifiers import ModelRef
from mimeo.runtime.archive import pack
from mimeo.runtime.environment import EnvironmentBuilder
from mimeo.runtime.openapi import dumps
from mimeo.runtime.prepare import prepare


class PushFailed(Exception):
    pass


async def push_model(
    model_dir: Path,
    ref: ModelRef,
    client: httpx.AsyncClient,
    builder: EnvironmentBuilder,
    console: Console,
    *,
    private: bool = False,
) -> dict[str, Any]:
    """``private`` makes the model private (a new one is public otherwise; an existing one
    keeps its visibility)."""
    with console.status(f"[bold]{ref.full_name}[/]: building the environment") as status:

        def progress(line: str) -> None:
            status.update(f"[bold]{ref.full_name}[/]: {line[:100]}")

        prepared = await prepare(model_dir, builder, progress)
        status.update(f"[bold]{ref.full_name}[/]: uploading")
        version_id, archive = pack(model_dir, dumps(prepared.schema))
        response = await client.post(
            f"/v1/models/{ref.owner}/{ref.name}/versions",
            content=archive,
            params={"visibility": "private"} if private else None,
            headers={"Content-Type": "application/gzip"},
            timeout=300.0,
        )
    if response.status_code >= 400:
        raise PushFailed(f"push of {ref.full_name} failed: {response.status_code} {response.text}")
    version: dict[str, Any] = response.json()
    console.print(f"[green]✓[/] pushed [bold]{ref.full_name}[/] version {version_id[:12]}")
    return version
