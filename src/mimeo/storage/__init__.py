"""Blobs: model archives, uploaded files and prediction outputs. A local directory by default,
an S3-compatible bucket when ``MIMEO_STORAGE_URL`` is ``s3://bucket/prefix``.

May import: ``mimeo.core``.
"""

from mimeo.storage.blob_store import BlobStore, StorageUnavailable
from mimeo.storage.local import LocalBlobStore
from mimeo.storage.s3 import S3BlobStore

__all__ = ["BlobStore", "LocalBlobStore", "S3BlobStore", "StorageUnavailable"]
