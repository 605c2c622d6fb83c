"""Model directories as content-addressed archives.

A version id is the sha256 of the directory's content (sorted relative paths and bytes), not of
the tar.gz bytes, so the same files always give the same id whatever the timestamps or gzip.
Reading an archive someone pushed is ``archive_reader``'s: within limits, in one pass.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
from collections.abc import Iterator
from pathlib import Path

IGNORED_DIRS = frozenset(
    {".git", ".venv", "__pycache__", ".mypy_cache", ".pytest_cache", "node_modules", ".cog"}
)
SCHEMA_PATH = ".cog/openapi_schema.json"


def model_files(model_dir: Path) -> Iterator[tuple[str, Path]]:
    for path in sorted(model_dir.rglob("*")):
        relative = path.relative_to(model_dir)
        if any(part in IGNORED_DIRS for part in relative.parts[:-1]) or path.is_dir():
            continue
        if relative.parts[0] in IGNORED_DIRS or path.suffix == ".pyc":
            continue
        yield relative.as_posix(), path


def content_id(entries: list[tuple[str, bytes]]) -> str:
    digest = hashlib.sha256()
    for name, data in sorted(entries):
        digest.update(name.encode() + b"\0" + len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def pack(model_dir: Path, schema_json: bytes) -> tuple[str, bytes]:
    """Return ``(version_id, tar.gz bytes)``; the generated schema travels inside the archive."""
    entries = [(name, path.read_bytes()) for name, path in model_files(model_dir)]
    entries.append((SCHEMA_PATH, schema_json))
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=6) as archive:
        for name, data in sorted(entries):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(data))
    return content_id(entries), buffer.getvalue()


COVER_MEDIA_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".webp": "image/webp"}
"""A ``cover<suffix>`` beside cog.yaml is the model's picture (the web UI shows it)."""
