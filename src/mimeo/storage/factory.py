"""The blob store a ``MIMEO_STORAGE_URL`` names: a local directory unless it says otherwise."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from mimeo.core.errors import InvalidRequest
from mimeo.storage.blob_store import BlobStore
from mimeo.storage.local import LocalBlobStore
from mimeo.storage.s3 import S3BlobStore


def open_blob_store(
    url: str | None,
    data_dir: Path,
    *,
    s3_endpoint_url: str | None = None,
    s3_region: str | None = None,
) -> BlobStore:
    """Connects to nothing: a misconfigured bucket shows on first use, as ``StorageUnavailable``."""
    if not url:
        return LocalBlobStore(data_dir / "blobs")
    parts = urlsplit(url)
    if parts.scheme in ("", "file"):
        return LocalBlobStore(Path(parts.path))
    if parts.scheme == "s3":
        if not parts.netloc:
            raise InvalidRequest(f"Storage URL {url!r} names no bucket: use s3://bucket/prefix")
        return S3BlobStore(parts.netloc, parts.path, endpoint_url=s3_endpoint_url, region=s3_region)
    raise InvalidRequest(
        f"Unsupported storage URL {url!r}: use a directory, file:// or s3://bucket/prefix"
    )
