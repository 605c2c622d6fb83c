"""Files between the API and a Cog server, which takes and gives them as ``data:`` URIs.

Inputs the API holds (``mimeo-blob:`` references) are read through the worker's channel and
handed to the model inline; ``data:`` outputs of a model whose schema says it returns files are
stored through the channel and replaced by references. coglet's ``--upload-url`` would need a
listener on every worker; its inline form needs none and is exact Cog behaviour.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from mimeo.core.blob_refs import blob_key, map_strings, strings_in
from mimeo.core.data_uris import (
    DEFAULT_MEDIA_TYPE,
    file_extension,
    parse_data_uri,
    to_data_uri,
)
from mimeo.runtime.cog_events import CogEvent, Completed, OutputChunk

ReadBlob = Callable[[str], Awaitable[bytes]]
StoreOutput = Callable[[str, bytes, str], Awaitable[str]]


async def inline_inputs(payload: dict[str, Any], read_blob: ReadBlob) -> dict[str, Any]:
    inlined: dict[str, str] = {}
    for text in strings_in(payload):
        key = blob_key(text)
        if key is not None and text not in inlined:
            media_type = mimetypes.guess_type(key)[0] or DEFAULT_MEDIA_TYPE
            inlined[text] = to_data_uri(media_type, await read_blob(key))
    if not inlined:
        return payload
    result: dict[str, Any] = map_strings(payload, lambda s: inlined.get(s, s))
    return result


class OutputFiles:
    """Names each stored file ``output.<ext>``, then ``output-1.<ext>``, ... per prediction."""

    def __init__(self, store: StoreOutput) -> None:
        self._store = store
        self._count = 0
        self._stored: dict[str, str] = {}

    async def store(self, value: Any) -> Any:
        """An iterator's final output repeats its chunks: each file is stored once."""
        stored = self._stored
        for text in strings_in(value):
            data_uri = parse_data_uri(text) if text.startswith("data:") else None
            if data_uri is None or text in stored:
                continue
            extension = file_extension(data_uri.media_type)
            name = f"output{f'-{self._count}' if self._count else ''}{extension}"
            self._count += 1
            stored[text] = await self._store(name, data_uri.data, data_uri.media_type)
        return map_strings(value, lambda s: stored.get(s, s))

    async def store_in(self, event: CogEvent) -> CogEvent:
        """The event with its output files stored."""
        if isinstance(event, OutputChunk):
            return replace(event, chunk=await self.store(event.chunk))
        if isinstance(event, Completed) and event.output is not None:
            return replace(event, output=await self.store(event.output))
        return event
