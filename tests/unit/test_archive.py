"""Model directories as content-addressed archives (``mimeo.runtime.archive``)."""

from __future__ import annotations

import io
import os
import tarfile
import tempfile
from pathlib import Path
from random import Random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mimeo.core.errors import InvalidRequest, PayloadTooLarge
from mimeo.runtime.archive import SCHEMA_PATH, pack
from mimeo.runtime.archive_reader import ArchiveLimits, UnsafeArchive, read_archive, unpack

SCHEMA = b'{"openapi": "3.0.2"}'


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "model"
    (directory / "weights").mkdir(parents=True)
    (directory / "cog.yaml").write_text("predict: predict.py:Predictor\n")
    (directory / "predict.py").write_text("print('hi')\n")
    (directory / "weights" / "w.bin").write_bytes(b"\x00\x01\x02")
    return directory


def version_id(directory: Path, schema: bytes = SCHEMA) -> str:
    return pack(directory, schema)[0]


def test_a_version_id_is_64_hex_characters(model_dir: Path) -> None:
    assert len(version_id(model_dir)) == 64
    assert int(version_id(model_dir), 16) >= 0


def test_packing_the_same_directory_twice_gives_the_same_id(model_dir: Path) -> None:
    assert version_id(model_dir) == version_id(model_dir)


def test_file_timestamps_do_not_change_the_id(model_dir: Path) -> None:
    before = version_id(model_dir)
    os.utime(model_dir / "predict.py", (0, 0))

    assert version_id(model_dir) == before


def test_changed_content_gives_a_new_id(model_dir: Path) -> None:
    before = version_id(model_dir)
    (model_dir / "predict.py").write_text("print('bye')\n")

    assert version_id(model_dir) != before


def test_a_renamed_file_gives_a_new_id(model_dir: Path) -> None:
    before = version_id(model_dir)
    (model_dir / "weights" / "w.bin").rename(model_dir / "weights" / "v.bin")

    assert version_id(model_dir) != before


def test_a_changed_schema_gives_a_new_id(model_dir: Path) -> None:
    assert version_id(model_dir, b"{}") != version_id(model_dir)


@pytest.mark.parametrize(
    "junk",
    [".git/HEAD", "__pycache__/predict.cpython-311.pyc", ".venv/bin/python", "lib/x.pyc"],
)
def test_caches_and_vcs_files_do_not_change_the_id(model_dir: Path, junk: str) -> None:
    before = version_id(model_dir)
    (model_dir / junk).parent.mkdir(parents=True, exist_ok=True)
    (model_dir / junk).write_bytes(b"noise")

    assert version_id(model_dir) == before


def test_the_server_recomputes_the_same_id_from_the_archive(model_dir: Path) -> None:
    version, archive = pack(model_dir, SCHEMA)

    assert read_archive(archive).version_id == version


def test_reading_keeps_the_files_asked_for_by_name(model_dir: Path) -> None:
    _, archive = pack(model_dir, SCHEMA)

    files = read_archive(archive, keep={"weights/w.bin", SCHEMA_PATH, "train.py"}).files

    assert files == {"weights/w.bin": b"\x00\x01\x02", SCHEMA_PATH: SCHEMA}


def test_an_archive_that_is_not_a_tar_gz_is_a_bad_request() -> None:
    with pytest.raises(InvalidRequest, match=r"not a valid tar\.gz"):
        read_archive(b"definitely not gzip")


def tar_gz(members: dict[str, int]) -> bytes:
    """An archive of zero-filled files of the given sizes, streamed so tests stay small."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, size in members.items():
            info = tarfile.TarInfo(name)
            info.size = size
            archive.addfile(info, io.BytesIO(bytes(size)))
    return buffer.getvalue()


SMALL = ArchiveLimits(
    max_bytes=64 * 1024,
    max_unpacked_bytes=1024 * 1024,
    max_files=5,
    max_ratio=10,
    ratio_allowance_bytes=64 * 1024,
)


def test_an_archive_unpacking_past_the_size_limit_is_too_large() -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo("weights.bin")
        info.size = 2 * 1024 * 1024
        archive.addfile(info, io.BytesIO(os.urandom(info.size)))

    with pytest.raises(PayloadTooLarge, match="more than 1048576 bytes"):
        read_archive(buffer.getvalue(), limits=ArchiveLimits(max_unpacked_bytes=1024 * 1024))


def test_an_archive_compressed_past_the_ratio_limit_is_refused() -> None:
    archive = tar_gz({"zeros.bin": 512 * 1024})

    with pytest.raises(UnsafeArchive, match="over 10 times its compressed size"):
        read_archive(archive, limits=SMALL)


def test_an_archive_of_too_many_files_is_refused() -> None:
    archive = tar_gz({f"f{i}.txt": 1 for i in range(6)})

    with pytest.raises(UnsafeArchive, match="more than 5 files"):
        read_archive(archive, limits=SMALL)


def test_a_name_twice_in_an_archive_is_refused() -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for content in (b"a", b"b"):
            info = tarfile.TarInfo("predict.py")
            info.size = 1
            archive.addfile(info, io.BytesIO(content))

    with pytest.raises(UnsafeArchive, match=r"predict\.py twice"):
        read_archive(buffer.getvalue())


def test_a_compressed_archive_over_the_upload_limit_is_too_large() -> None:
    with pytest.raises(PayloadTooLarge, match="limited to 65536 bytes"):
        read_archive(os.urandom(65 * 1024), limits=SMALL)


def test_unpacking_applies_the_same_limits(tmp_path: Path) -> None:
    archive = tar_gz({"zeros.bin": 512 * 1024})

    with pytest.raises(UnsafeArchive):
        unpack(archive, tmp_path / "out", limits=SMALL)


def test_unpack_restores_the_files(model_dir: Path, tmp_path: Path) -> None:
    _, archive = pack(model_dir, SCHEMA)

    unpack(archive, tmp_path / "out")

    assert (tmp_path / "out" / "weights" / "w.bin").read_bytes() == b"\x00\x01\x02"
    assert (tmp_path / "out" / SCHEMA_PATH).read_bytes() == SCHEMA


def test_unpack_refuses_paths_that_climb_out_of_the_target(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo("../escaped.txt")
        info.size = 1
        archive.addfile(info, io.BytesIO(b"x"))

    with pytest.raises(UnsafeArchive, match="unsafe path"):
        unpack(buffer.getvalue(), tmp_path / "out")
    assert not (tmp_path / "escaped.txt").exists()


# Directories never have a suffix and files always do, so no name is both.
file_names = st.from_regex(r"\A[a-z][a-z0-9_]{0,8}(/[a-z][a-z0-9_]{0,8}){0,2}\.(py|txt|bin)\Z")
model_trees = st.dictionaries(file_names, st.binary(max_size=64), min_size=1, max_size=6)


def write_tree(root: Path, files: dict[str, bytes], order: list[str]) -> None:
    for name in order:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(files[name])


@settings(max_examples=40, deadline=None)
@given(model_trees, st.randoms(use_true_random=False))
def test_the_id_depends_on_content_only_not_on_creation_order(
    files: dict[str, bytes], random: Random
) -> None:
    order = sorted(files)
    shuffled = random.sample(order, len(order))
    with tempfile.TemporaryDirectory() as first, tempfile.TemporaryDirectory() as second:
        write_tree(Path(first), files, order)
        write_tree(Path(second), files, shuffled)
        first_id, archive = pack(Path(first), SCHEMA)

        assert pack(Path(second), SCHEMA)[0] == first_id
        assert read_archive(archive).version_id == first_id
