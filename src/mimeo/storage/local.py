"""Blobs in a directory, written atomically so a crash never leaves half a file under a key.

File I/O runs in a thread: a large upload must not stall the event loop that serves everyone.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

from mimeo.core.errors import NotFound
from mimeo.storage.blob_store import CHUNK_BYTES, check_key


class LocalBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    async def put(self, key: str, data: bytes, content_type: str | None = None) -> None:
        await asyncio.to_thread(self._write, self.path(key), data)

    @staticmethod
    def _write(target: Path, data: bytes) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, target)

    async def get(self, key: str) -> bytes:
        target = self.path(key)
        try:
            return await asyncio.to_thread(target.read_bytes)
        except (FileNotFoundError, IsADirectoryError) as error:
            raise NotFound(f"No blob {key!r}") from error

    async def stream(self, key: str) -> AsyncIterator[bytes]:
        target = self.path(key)
        try:
            handle = await asyncio.to_thread(target.open, "rb")
        except (FileNotFoundError, IsADirectoryError) as error:
            raise NotFound(f"No blob {key!r}") from error
        try:
            while chunk := await asyncio.to_thread(handle.read, CHUNK_BYTES):
                yield chunk
        finally:
            handle.close()

    async def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    async def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            await asyncio.to_thread(self.path(key).unlink)

    async def close(self) -> None:
        """Nothing to release: every call opens and closes its own file."""
