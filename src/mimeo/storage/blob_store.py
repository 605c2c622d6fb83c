"""What mimeo needs of blob storage, whatever holds the bytes.

Keys are relative paths (``archives/<sha>.tar.gz``, ``files/<id>``, ``outputs/<id>/<name>``).
Clients never see a backend's own URLs: mimeo serves every blob through its own signed URLs, so
a bucket can stay private and the same links work on a laptop and on a cluster.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Protocol

from mimeo.core.errors import MimeoError, NotFound

KEY_PATTERN = re.compile(r"^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$")
CHUNK_BYTES = 256 * 1024


class StorageUnavailable(MimeoError):
    """The backend cannot be reached or refuses mimeo; the detail names what to check.

    503 rather than 500: the request was fine and may well succeed once the operator fixes the
    endpoint, the credentials or the bucket, or the service comes back.
    """

    status = 503
    title = "Storage unavailable"


def check_key(key: str) -> str:
    if not KEY_PATTERN.match(key) or ".." in key.split("/"):
        raise NotFound(f"No blob {key!r}")
    return key


class BlobStore(Protocol):
    async def put(self, key: str, data: bytes, content_type: str | None = None) -> None: ...

    async def get(self, key: str) -> bytes:
        """Raises ``NotFound`` for a missing key."""
        ...

    def stream(self, key: str) -> AsyncIterator[bytes]:
        """The blob in chunks of about ``CHUNK_BYTES``; raises ``NotFound`` before the first."""
        ...

    async def exists(self, key: str) -> bool: ...

    async def delete(self, key: str) -> None:
        """Deleting a missing key is not an error."""
        ...

    async def close(self) -> None:
        """Releases connections; a remote store holds a pool that must close in its own loop."""
        ...
