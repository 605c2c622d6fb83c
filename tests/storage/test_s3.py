"""What only a remote store can get wrong: a server that is down, a bucket that is missing,
credentials that are absent. Each must reach the caller as a 503 that says what to check."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from mimeo.storage import S3BlobStore, StorageUnavailable
from tests.conftest import free_port


@pytest.fixture
async def closed_after() -> AsyncIterator[list[S3BlobStore]]:
    stores: list[S3BlobStore] = []
    yield stores
    for store in stores:
        await store.close()


async def test_a_missing_bucket_says_so(
    s3_endpoint: str, aws_env: None, closed_after: list[S3BlobStore]
) -> None:
    store = S3BlobStore("no-such-bucket", endpoint_url=s3_endpoint)
    closed_after.append(store)

    with pytest.raises(StorageUnavailable, match="'no-such-bucket' does not exist") as raised:
        await store.put("files/one", b"x")
    assert raised.value.status == 503
    with pytest.raises(StorageUnavailable, match="does not exist"):
        await store.get("files/one")


async def test_a_server_that_is_down_names_the_endpoint(
    aws_env: None, closed_after: list[S3BlobStore]
) -> None:
    endpoint = f"http://127.0.0.1:{free_port()}"
    store = S3BlobStore("bucket", endpoint_url=endpoint, max_attempts=1)
    closed_after.append(store)

    with pytest.raises(StorageUnavailable, match="MIMEO_S3_ENDPOINT_URL") as raised:
        await store.get("files/one")
    assert endpoint in raised.value.detail
    with pytest.raises(StorageUnavailable):
        await anext(store.stream("files/one"))


async def test_no_credentials_names_the_variables_to_set(
    s3_endpoint: str,
    s3_bucket: str,
    monkeypatch: pytest.MonkeyPatch,
    closed_after: list[S3BlobStore],
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    store = S3BlobStore(s3_bucket, endpoint_url=s3_endpoint)
    closed_after.append(store)

    with pytest.raises(StorageUnavailable, match="AWS_ACCESS_KEY_ID"):
        await store.exists("files/one")


async def test_a_closed_store_opens_again_on_next_use(
    s3_endpoint: str, s3_bucket: str, closed_after: list[S3BlobStore]
) -> None:
    store = S3BlobStore(s3_bucket, "p", endpoint_url=s3_endpoint)
    closed_after.append(store)
    await store.put("files/one", b"before")

    await store.close()

    assert await store.get("files/one") == b"before"
