"""``MIMEO_STORAGE_URL`` and the S3 settings pick the store, read once as settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from mimeo.core.errors import InvalidRequest
from mimeo.settings import Settings
from mimeo.storage import LocalBlobStore, S3BlobStore
from mimeo.storage.factory import open_blob_store


def test_no_url_is_the_data_dir(tmp_path: Path) -> None:
    store = open_blob_store(None, tmp_path)

    assert isinstance(store, LocalBlobStore)
    assert store.root == tmp_path / "blobs"


@pytest.mark.parametrize("url", ["{tmp}/a", "file://{tmp}/a"])
def test_a_directory_or_file_url_is_local(tmp_path: Path, url: str) -> None:
    store = open_blob_store(url.format(tmp=tmp_path), tmp_path)

    assert isinstance(store, LocalBlobStore)
    assert store.root == tmp_path / "a"


def test_an_s3_url_is_a_bucket_and_a_prefix(tmp_path: Path) -> None:
    store = open_blob_store(
        "s3://bucket/some/prefix/",
        tmp_path,
        s3_endpoint_url="http://minio:9000",
        s3_region="eu-west-3",
    )

    assert isinstance(store, S3BlobStore)
    assert (store.bucket, store.prefix, store.endpoint_url) == (
        "bucket",
        "some/prefix",
        "http://minio:9000",
    )
    assert store.object_key("files/x") == "some/prefix/files/x"
    assert not (tmp_path / "blobs").exists()


def test_an_s3_url_without_a_prefix_keeps_keys_as_they_are(tmp_path: Path) -> None:
    store = open_blob_store("s3://bucket", tmp_path)

    assert isinstance(store, S3BlobStore)
    assert store.object_key("files/x") == "files/x"


@pytest.mark.parametrize("url", ["s3://", "s3:///prefix", "gs://bucket", "https://example.com/b"])
def test_urls_it_cannot_serve_are_refused(tmp_path: Path, url: str) -> None:
    with pytest.raises(InvalidRequest):
        open_blob_store(url, tmp_path)


def test_the_endpoint_and_region_settings_take_the_aws_variables_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("MIMEO_S3_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "MIMEO_S3_REGION", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://aws-variable:9000")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-3")
    assert (Settings().s3_endpoint_url, Settings().s3_region) == (
        "http://aws-variable:9000",
        "eu-west-3",
    )

    monkeypatch.setenv("MIMEO_S3_ENDPOINT_URL", "http://mimeo-setting:9000")
    monkeypatch.setenv("AWS_REGION", "ap-south-1")
    assert (Settings().s3_endpoint_url, Settings().s3_region) == (
        "http://mimeo-setting:9000",
        "ap-south-1",
    )
