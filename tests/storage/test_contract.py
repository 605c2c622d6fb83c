"""What every blob store does, run against a directory and a real S3-compatible server alike.

Each store here is opened through its storage URL with the prefix ``tenant/a``.
"""

from __future__ import annotations

import random

import pytest

from mimeo.core.errors import NotFound
from mimeo.storage import BlobStore
from mimeo.storage.blob_store import CHUNK_BYTES
from tests.storage.conftest import Backend

BAD_KEYS = ["../x", "files/../../x", "/etc/passwd", "", "a//b", "files/x y", "files/"]


async def test_put_then_get_round_trips(store: BlobStore) -> None:
    await store.put("files/one", b"hello", "text/plain")
    await store.put("outputs/p1/out.bin", b"\x00\xff" * 10)

    assert await store.get("files/one") == b"hello"
    assert await store.get("outputs/p1/out.bin") == b"\x00\xff" * 10


async def test_put_replaces_what_was_there(store: BlobStore) -> None:
    await store.put("files/one", b"first")
    await store.put("files/one", b"second")

    assert await store.get("files/one") == b"second"


async def test_stream_gives_whole_chunks_that_add_up_to_the_blob(store: BlobStore) -> None:
    data = random.Random(7).randbytes(2 * CHUNK_BYTES + 1000)
    await store.put("archives/big.tar.gz", data, "application/gzip")

    chunks = [chunk async for chunk in store.stream("archives/big.tar.gz")]

    assert [len(chunk) for chunk in chunks] == [CHUNK_BYTES, CHUNK_BYTES, 1000]
    assert b"".join(chunks) == data


async def test_an_empty_blob_streams_as_nothing(store: BlobStore) -> None:
    await store.put("files/empty", b"")

    assert await store.get("files/empty") == b""
    assert [chunk async for chunk in store.stream("files/empty")] == []


async def test_exists_follows_put_and_delete(store: BlobStore) -> None:
    assert not await store.exists("files/one")
    await store.put("files/one", b"hello")
    assert await store.exists("files/one")

    await store.delete("files/one")

    assert not await store.exists("files/one")
    with pytest.raises(NotFound):
        await store.get("files/one")


async def test_deleting_a_missing_key_is_fine(store: BlobStore) -> None:
    await store.delete("files/never-there")


async def test_a_missing_key_is_not_found(store: BlobStore) -> None:
    with pytest.raises(NotFound):
        await store.get("files/missing")
    with pytest.raises(NotFound):
        await anext(store.stream("files/missing"))


async def test_a_directory_is_not_a_blob(store: BlobStore) -> None:
    await store.put("outputs/p1/out.txt", b"x")

    assert not await store.exists("outputs/p1")
    with pytest.raises(NotFound):
        await store.get("outputs/p1")


async def test_the_prefix_of_the_url_comes_before_every_key(backend: Backend) -> None:
    await backend.store("tenant/a").put("files/one", b"mine")
    await backend.store("tenant/b").put("files/one", b"theirs")

    assert await backend.read_raw("tenant/a/files/one") == b"mine"
    assert await backend.read_raw("tenant/b/files/one") == b"theirs"
    assert await backend.store("tenant/a").get("files/one") == b"mine"


@pytest.mark.parametrize("key", BAD_KEYS)
async def test_keys_that_are_not_plain_relative_paths_are_refused(
    store: BlobStore, key: str
) -> None:
    with pytest.raises(NotFound):
        await store.put(key, b"escape")
    with pytest.raises(NotFound):
        await store.get(key)
    with pytest.raises(NotFound):
        await anext(store.stream(key))
    with pytest.raises(NotFound):
        await store.exists(key)
    with pytest.raises(NotFound):
        await store.delete(key)
