"""Model directories as content-addressed archives.

A version id is the sha256 of the directory's content (sorted relative paths and bytes), not of
the tar.gz bytes, so the same files always give the same id whatever the timestamps or gzip.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from mimeo.core.errors import InvalidRequest

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


def archive_id(archive_bytes: bytes) -> str:
    """The version id of an uploaded archive, recomputed: the client's word is not taken."""
    entries: list[tuple[str, bytes]] = []
    try:
        with tarfile.open(fileobj=io.BytesIO(archive_bytes), mode="r:gz") as archive:
            for member in archive.getmembers():
                handle = archive.extractfile(member) if member.isfile() else None
                if handle is not None:
                    entries.append((member.name, handle.read()))
    except (tarfile.TarError, OSError, EOFError) as error:
        raise InvalidRequest(f"the model archive is not a valid tar.gz: {error}") from error
    return content_id(entries)


COVER_MEDIA_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".webp": "image/webp"}
"""A ``cover<suffix>`` beside cog.yaml is the model's picture (the web UI shows it)."""


def read_member(archive_bytes: bytes, name: str) -> bytes:
    try:
        with tarfile.open(fileobj=io.BytesIO(archive_bytes), mode="r:gz") as archive:
            member = archive.extractfile(name)
            if member is None:
                raise KeyError(name)
            return member.read()
    except (tarfile.TarError, KeyError, OSError) as error:
        raise InvalidRequest(f"the model archive has no readable {name}") from error


def unpack(archive_bytes: bytes, target: Path) -> None:
    """Extract with the ``data`` filter: no absolute paths, links out of the tree or devices."""
    target.mkdir(parents=True, exist_ok=True)
    try:
        with tarfile.open(fileobj=io.BytesIO(archive_bytes), mode="r:gz") as archive:
            for member in archive.getmembers():
                if PurePosixPath(member.name).is_absolute() or ".." in member.name.split("/"):
                    raise InvalidRequest(f"unsafe path in model archive: {member.name}")
            archive.extractall(target, filter="data")
    except tarfile.TarError as error:
        raise InvalidRequest(f"the model archive is not a valid tar.gz: {error}") from error
