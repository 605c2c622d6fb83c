"""Show a prediction's output in a terminal; ``data:`` files are written to disk like cog does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.console import Console

from mimeo.core.data_uris import file_extension, parse_data_uri


def save_data_uri(uri: str, stem: str) -> Path:
    parsed = parse_data_uri(uri)
    if parsed is None:
        raise ValueError(f"not a data URI: {uri[:40]}...")
    extension = file_extension(parsed.media_type) or ".bin"
    target = Path(f"{stem}{extension}")
    target.write_bytes(parsed.data)
    return target


def show_output(console: Console, output: Any) -> None:
    if isinstance(output, str) and output.startswith("data:"):
        console.print(f"Written to {save_data_uri(output, 'output')}")
    elif isinstance(output, list) and any(
        isinstance(o, str) and o.startswith("data:") for o in output
    ):
        for index, item in enumerate(output):
            if isinstance(item, str) and item.startswith("data:"):
                console.print(f"Written to {save_data_uri(item, f'output.{index}')}")
            else:
                console.print(item)
    elif isinstance(output, str):
        console.print(output, markup=False, highlight=False)
    else:
        console.print_json(json.dumps(output))
