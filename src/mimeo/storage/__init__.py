"""Blobs: model archives now, input and output files next. A local directory by default.

May import: ``mimeo.core``.
"""

from mimeo.storage.local import LocalBlobStore

__all__ = ["LocalBlobStore"]
