"""Storing an uploaded file: its bytes in blob storage, its row in the account's files.

``POST /v1/files`` and the web UI's run form both store uploads here, so a file a person
uploads in the browser is the same kind of file a client uploads, and a model reads it the
same way.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from datetime import UTC, datetime
from typing import Any

from mimeo.api.context import AppContext
from mimeo.core.ids import new_file_id
from mimeo.core.records import Account, StoredFile

UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def blob_name(filename: str, content_type: str) -> str:
    """A storage-safe name that keeps the extension, which models use to tell formats apart."""
    name = UNSAFE_NAME.sub("-", filename).strip(".-")[:100] or "file"
    if "." not in name:
        name += mimetypes.guess_extension(content_type) or ""
    return name


async def store_upload(
    context: AppContext,
    account: Account,
    data: bytes,
    filename: str,
    content_type: str,
    metadata: dict[str, Any],
) -> StoredFile:
    """``content_type`` must already be checked (``check_media_type``)."""
    file_id = new_file_id()
    key = f"files/{file_id}/{blob_name(filename, content_type)}"
    await context.blobs.put(key, data, content_type)
    return await context.store.files.insert(
        id=file_id,
        account_id=account.id,
        name=filename,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        md5=hashlib.md5(data, usedforsecurity=False).hexdigest(),
        metadata=metadata,
        blob_key=key,
        created_at=datetime.now(UTC),
        expires_at=None,
    )
