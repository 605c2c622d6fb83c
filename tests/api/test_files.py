"""``/v1/files`` through the official clients: upload, list, get, download, delete."""

from __future__ import annotations

import hashlib
import io

import httpx
import pytest
import replicate
from replicate.exceptions import ReplicateError

from tests.conftest import MimeoServer

CONTENT = b"some bytes to keep\n" * 100


@pytest.fixture
def uploaded(client: replicate.Client) -> replicate.file.File:
    return client.files.create(io.BytesIO(CONTENT), filename="notes.txt", metadata={"customer": 42})


def test_create_returns_replicate_file_fields(uploaded: replicate.file.File) -> None:
    assert uploaded.name == "notes.txt"
    assert uploaded.content_type == "text/plain"
    assert uploaded.size == len(CONTENT)
    assert uploaded.checksums == {
        "sha256": hashlib.sha256(CONTENT).hexdigest(),
        "md5": hashlib.md5(CONTENT).hexdigest(),
    }
    assert uploaded.etag == uploaded.checksums["md5"]
    assert uploaded.metadata == {"customer": 42}
    assert uploaded.urls["get"].endswith(f"/v1/files/{uploaded.id}")


def test_get_and_list_show_the_file(
    client: replicate.Client, uploaded: replicate.file.File
) -> None:
    fetched = client.files.get(uploaded.id)
    listed = [f.id for f in client.files.list()]

    assert fetched.id == uploaded.id
    assert fetched.checksums == uploaded.checksums
    assert uploaded.id in listed


def test_signed_download_url_works_without_a_token(uploaded: replicate.file.File) -> None:
    response = httpx.get(uploaded.urls["download"])

    assert response.status_code == 200
    assert response.content == CONTENT
    assert response.headers["content-type"].startswith("text/plain")


def test_a_tampered_download_signature_is_refused(uploaded: replicate.file.File) -> None:
    url = uploaded.urls["download"].replace("signature=", "signature=x")

    response = httpx.get(url)

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


def test_delete_removes_the_file_and_its_download(
    client: replicate.Client, uploaded: replicate.file.File
) -> None:
    client.files.delete(uploaded.id)

    with pytest.raises(ReplicateError) as raised:
        client.files.get(uploaded.id)
    assert raised.value.status == 404
    assert httpx.get(uploaded.urls["download"]).status_code == 404


def test_upload_without_content_is_a_field_error(mimeo_server: MimeoServer) -> None:
    with mimeo_server.http() as http:
        response = http.post("/v1/files", files={"filename": (None, "x.txt")})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "content"


def test_metadata_that_is_not_json_is_a_field_error(mimeo_server: MimeoServer) -> None:
    with mimeo_server.http() as http:
        response = http.post(
            "/v1/files", files={"content": ("a.txt", b"x"), "metadata": (None, "{not json")}
        )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "metadata"
