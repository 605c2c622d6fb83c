"""Models and versions through the official client."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Callable

import httpx
import pytest
import replicate
from replicate.exceptions import ReplicateError

from tests.conftest import EXAMPLES, FIXTURES, MimeoServer


def test_models_get_has_latest_version_with_its_schema(
    client: replicate.Client, push_fixture: Callable[[str], str]
) -> None:
    version = push_fixture("echo")

    model = client.models.get("fixtures/echo")

    assert model.owner == "fixtures"
    assert model.name == "echo"
    assert model.latest_version is not None
    assert model.latest_version.id == version
    schema = model.latest_version.openapi_schema
    assert schema["components"]["schemas"]["Input"]["properties"]["text"]["type"] == "string"


def test_versions_list_includes_the_pushed_version(
    client: replicate.Client, push_fixture: Callable[[str], str]
) -> None:
    version = push_fixture("echo")

    versions = client.models.get("fixtures/echo").versions.list()

    assert version in [v.id for v in versions.results]
    assert all(isinstance(v.cog_version, str) for v in versions.results)


def test_versions_get_by_id(client: replicate.Client, push_fixture: Callable[[str], str]) -> None:
    version = push_fixture("echo")

    fetched = client.models.get("fixtures/echo").versions.get(version)

    assert fetched.id == version


def test_version_ids_are_content_addressed(
    mimeo_server: MimeoServer, push_fixture: Callable[[str], str]
) -> None:
    first = push_fixture("echo")
    again = mimeo_server.push(FIXTURES / "echo", "fixtures/echo-again")

    assert first == again
    assert len(first) == 64
    assert all(c in "0123456789abcdef" for c in first)


def test_create_then_list_then_delete_a_model(client: replicate.Client) -> None:
    client.models.create(
        owner="people", name="draft", visibility="private", hardware="cpu", description="wip"
    )

    assert "people/draft" in [f"{m.owner}/{m.name}" for m in client.models.list().results]
    client.models.delete("people", "draft")
    with pytest.raises(ReplicateError) as raised:
        client.models.get("people/draft")
    assert raised.value.status == 404


def test_creating_an_existing_model_is_a_conflict(client: replicate.Client) -> None:
    client.models.create(owner="people", name="twice", visibility="public", hardware="cpu")

    with pytest.raises(ReplicateError) as raised:
        client.models.create(owner="people", name="twice", visibility="public", hardware="cpu")

    assert raised.value.status == 409


def test_a_model_with_versions_cannot_be_deleted(
    client: replicate.Client, mimeo_server: MimeoServer
) -> None:
    mimeo_server.push(FIXTURES / "echo", "people/kept")

    with pytest.raises(ReplicateError) as raised:
        client.models.delete("people", "kept")

    assert raised.value.status == 409


def test_deleting_a_version_removes_it_from_the_list(
    client: replicate.Client, mimeo_server: MimeoServer
) -> None:
    version = mimeo_server.push(FIXTURES / "outputs-int", "people/shortlived")
    model = client.models.get("people/shortlived")

    model.versions.delete(version)

    assert version not in [v.id for v in model.versions.list().results]


def test_unknown_model_is_404_problem(mimeo_server: MimeoServer) -> None:
    with mimeo_server.http() as http:
        answer = http.get("/v1/models/nobody/nothing")

    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["status"] == 404


def test_creating_a_model_on_unknown_hardware_is_a_422_listing_the_known_skus(
    mimeo_server: MimeoServer,
) -> None:
    body = {"owner": "people", "name": "on-a-tpu", "visibility": "public", "hardware": "tpu-v5"}
    with mimeo_server.http() as http:
        answer = http.post("/v1/models", json=body)

    assert answer.status_code == 422
    [error] = answer.json()["errors"]
    assert error["field"] == "hardware"
    assert "gpu-a100-large" in error["message"]


def test_a_pushed_cover_image_is_the_models_public_cover(
    client: replicate.Client, mimeo_server: MimeoServer
) -> None:
    mimeo_server.push(EXAMPLES / "hello-world", "covers/hello-world")

    cover = client.models.get("covers/hello-world").cover_image_url
    image = httpx.get(cover)  # no token: an <img> tag sends none

    assert cover.endswith("/v1/models/covers/hello-world/cover")
    assert image.headers["content-type"] == "image/png"
    assert image.content == (EXAMPLES / "hello-world" / "cover.png").read_bytes()


def test_a_model_without_a_cover_has_none(
    client: replicate.Client, push_fixture: Callable[[str], str]
) -> None:
    push_fixture("echo")

    assert client.models.get("fixtures/echo").cover_image_url is None


def test_a_push_that_unpacks_far_beyond_its_size_is_refused_before_it_is_unpacked(
    mimeo_server: MimeoServer,
) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo("weights.bin")
        info.size = 64 * 1024 * 1024  # of zeros: some 64 KB once compressed
        archive.addfile(info, io.BytesIO(bytes(info.size)))
    with mimeo_server.http() as http:
        answer = http.post(
            "/v1/models/people/bomb/versions",
            content=buffer.getvalue(),
            headers={"Content-Type": "application/gzip"},
        )

    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert "times its compressed size" in answer.json()["detail"]
