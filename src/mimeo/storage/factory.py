"""The blob store a ``MIMEO_STORAGE_URL`` names: a local directory unless it says otherwise."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from mimeo.core.errors import InvalidRequest
from mimeo.storage.blob_store import BlobStore
from mimeo.storage.local import LocalBlobStore


def open_blob_store(url: str | None, data_dir: Path) -> BlobStore:
    if not url:
        return LocalBlobStore(data_dir / "blobs")
    parts = urlsplit(url)
    if parts.scheme in ("", "file"):
        return LocalBlobStore(Path(parts.path))
    raise InvalidRequest(f"Unsupported storage URL {url!r}: use a directory or file:// URL")
