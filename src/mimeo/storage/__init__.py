"""Blobs: model archives, uploaded files and prediction outputs. A local directory by default.

May import: ``mimeo.core``.
"""

from mimeo.storage.blob_store import BlobStore
from mimeo.storage.local import LocalBlobStore

__all__ = ["BlobStore", "LocalBlobStore"]
