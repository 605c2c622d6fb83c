"""Reading a pushed model archive in one streaming pass, within limits.

A push is untrusted input: a megabyte of gzip can unpack to gigabytes. The archive is read as
a stream (``tarfile`` mode ``r|``) through a counter of decompressed bytes, and refused as soon
as it goes past a limit — on the sizes the tar headers declare, before their data is
decompressed, and on the bytes actually decompressed, which catches what headers do not say:

- more than ``max_unpacked_bytes`` in all (413);
- more than ``max_ratio`` times its compressed size, beyond a small allowance (422);
- more than ``max_files`` entries, or a name twice (422).

The version id needs the files in name order while the stream gives them in archive order, so
file contents wait in a temporary file (on disk, not in memory) until the stream ends.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
import tempfile
import zlib
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, cast

from mimeo.core.errors import InvalidRequest, MimeoError, PayloadTooLarge

CHUNK_BYTES = 1024 * 1024
MAX_KEPT_BYTES = 16 * 1024 * 1024
"""The largest member the API keeps in memory (cog.yaml, the schema, a cover image)."""


class ArchiveTooLarge(PayloadTooLarge):
    title = "Model archive too large"


class UnsafeArchive(MimeoError):
    status = 422
    title = "Model archive refused"


@dataclass(frozen=True)
class ArchiveLimits:
    max_bytes: int = 512 * 1024 * 1024
    """The compressed archive, as uploaded."""
    max_unpacked_bytes: int = 2 * 1024 * 1024 * 1024
    max_files: int = 10_000
    max_ratio: int = 100
    """Unpacked bytes per compressed byte: model code and weights compress far less."""
    ratio_allowance_bytes: int = 16 * 1024 * 1024
    """Unpacked bytes allowed whatever the ratio: a few files of text compress very well."""

    def unpacked_budget(self, compressed_bytes: int) -> int:
        by_ratio = max(self.max_ratio * compressed_bytes, self.ratio_allowance_bytes)
        return min(self.max_unpacked_bytes, by_ratio)

    def over_budget(self, compressed_bytes: int) -> MimeoError:
        budget = self.unpacked_budget(compressed_bytes)
        if budget == self.max_unpacked_bytes:
            return ArchiveTooLarge(f"the model archive unpacks to more than {budget} bytes")
        return UnsafeArchive(
            f"the model archive unpacks to more than {budget} bytes, over {self.max_ratio} "
            "times its compressed size"
        )


DEFAULT_LIMITS = ArchiveLimits()


@dataclass(frozen=True)
class ArchiveContents:
    version_id: str
    """The sha256 of the files in name order, as ``archive.content_id`` computes it."""
    files: dict[str, bytes]
    """The members asked for by name that the archive holds."""


class _Counted:
    """The decompressed stream, refused once it passes the budget. Reads are at most a chunk
    long, so memory stays flat whatever a caller asks for; ``tarfile`` takes short reads."""

    def __init__(self, source: io.BufferedIOBase, budget: int, refusal: MimeoError) -> None:
        self.source = source
        self.budget = budget
        self.refusal = refusal
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        data = self.source.read(CHUNK_BYTES if size < 0 else min(size, CHUNK_BYTES))
        self.count += len(data)
        if self.count > self.budget:
            raise self.refusal
        return data


def _members(
    archive: bytes, limits: ArchiveLimits
) -> Iterator[tuple[tarfile.TarFile, tarfile.TarInfo]]:
    """Each member once, in archive order, after the checks that need only its header."""
    if len(archive) > limits.max_bytes:
        raise ArchiveTooLarge(f"model archives are limited to {limits.max_bytes} bytes")
    budget = limits.unpacked_budget(len(archive))
    counted = _Counted(
        gzip.GzipFile(fileobj=io.BytesIO(archive)), budget, limits.over_budget(len(archive))
    )
    declared = 0
    names: set[str] = set()
    with tarfile.open(fileobj=cast(IO[bytes], counted), mode="r|") as tar:
        for member in tar:
            if len(names) >= limits.max_files:
                raise UnsafeArchive(f"the model archive has more than {limits.max_files} files")
            if member.name in names:
                raise UnsafeArchive(f"the model archive holds {member.name} twice")
            if PurePosixPath(member.name).is_absolute() or ".." in member.name.split("/"):
                raise UnsafeArchive(f"unsafe path in model archive: {member.name}")
            names.add(member.name)
            declared += member.size
            if declared > budget:
                raise limits.over_budget(len(archive))
            yield tar, member


@contextmanager
def _valid_tar_gz() -> Iterator[None]:
    """Whatever the stream raises while a member is read or written, said once."""
    try:
        yield
    except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
        raise InvalidRequest(f"the model archive is not a valid tar.gz: {error}") from error


def read_archive(
    archive: bytes, keep: Collection[str] = (), limits: ArchiveLimits = DEFAULT_LIMITS
) -> ArchiveContents:
    """The version id and the members named in ``keep``, in one pass over the archive."""
    index: list[tuple[str, int, int]] = []
    kept: dict[str, bytes] = {}
    with tempfile.TemporaryFile() as spool, _valid_tar_gz():
        for tar, member in _members(archive, limits):
            handle = tar.extractfile(member) if member.isfile() else None
            if handle is None:
                continue
            start = spool.tell()
            while chunk := handle.read(CHUNK_BYTES):
                spool.write(chunk)
            index.append((member.name, start, spool.tell() - start))
            if member.name in keep and member.size <= MAX_KEPT_BYTES:
                spool.seek(start)
                kept[member.name] = spool.read()
        digest = hashlib.sha256()
        for name, start, size in sorted(index):
            digest.update(name.encode() + b"\0" + size.to_bytes(8, "big"))
            spool.seek(start)
            for offset in range(0, size, CHUNK_BYTES):
                digest.update(spool.read(min(CHUNK_BYTES, size - offset)))
    return ArchiveContents(digest.hexdigest(), kept)


def unpack(archive: bytes, target: Path, limits: ArchiveLimits = DEFAULT_LIMITS) -> None:
    """Extract with the ``data`` filter (no absolute paths, links out of the tree or devices),
    member by member as the stream goes."""
    target.mkdir(parents=True, exist_ok=True)
    with _valid_tar_gz():
        for tar, member in _members(archive, limits):
            tar.extract(member, target, filter="data")
