"""Blobs in a directory, written atomically so a crash never leaves half a file under a key."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from mimeo.core.errors import NotFound

KEY_PATTERN = re.compile(r"^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$")


class LocalBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        if not KEY_PATTERN.match(key) or ".." in key.split("/"):
            raise NotFound(f"No blob {key!r}")
        return self.root / key

    def put(self, key: str, data: bytes) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, target)

    def get(self, key: str) -> bytes:
        target = self.path(key)
        if not target.is_file():
            raise NotFound(f"No blob {key!r}")
        return target.read_bytes()

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()
