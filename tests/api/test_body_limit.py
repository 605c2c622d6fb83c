"""Request bodies over ``MIMEO_MAX_UPLOAD_BYTES``: a 413 problem, whether the body declares its
size or streams in chunks; model pushes and small requests pass."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import replicate

from tests.conftest import FIXTURES, MimeoServer, running_server

pytestmark = pytest.mark.slow  # a server of its own, with a small limit
LIMIT = 1000


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory, env_dir: Path) -> Iterator[MimeoServer]:
    data_dir = tmp_path_factory.mktemp("limited")
    limit = {"MIMEO_MAX_UPLOAD_BYTES": str(LIMIT)}
    with running_server(data_dir, env_dir, "--examples", "none", **limit) as server:
        yield server


@pytest.fixture(scope="module")
def echo_version(limited: MimeoServer) -> str:
    return limited.push(FIXTURES / "echo", "fixtures/echo")


def assert_too_large(answer: httpx.Response) -> None:
    assert answer.status_code == 413
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert problem["status"] == 413
    assert problem["title"] == "Payload too large"
    assert f"limit of {LIMIT} bytes" in problem["detail"]


def test_a_prediction_input_over_the_limit_gives_413(
    limited: MimeoServer, echo_version: str
) -> None:
    with limited.http() as http:
        answer = http.post(
            "/v1/models/fixtures/echo/predictions", json={"input": {"text": "x" * 5000}}
        )

    assert int(answer.request.headers["content-length"]) > LIMIT
    assert_too_large(answer)


def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_sent(
    limited: MimeoServer,
) -> None:
    """With ``Expect: 100-continue`` the client waits for a go-ahead before sending the body: the
    413 must come on the headers alone."""
    url = httpx.URL(limited.url)
    head = (
        "POST /v1/predictions HTTP/1.1\r\n"
        f"Host: {url.host}:{url.port}\r\n"
        f"Authorization: Bearer {limited.token}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {LIMIT * 10}\r\n"
        "Expect: 100-continue\r\n\r\n"
    )
    with socket.create_connection((url.host, url.port), timeout=10) as connection:
        connection.sendall(head.encode())
        status_line = connection.makefile("rb").readline()

    assert status_line.startswith(b"HTTP/1.1 413"), status_line


def test_a_chunked_body_over_the_limit_gives_413(limited: MimeoServer, echo_version: str) -> None:
    def body() -> Iterator[bytes]:
        yield f'{{"version": "{echo_version}", "input": {{"text": "'.encode()
        for _ in range(20):
            yield b"x" * 100
        yield b'"}}'

    with limited.http() as http:
        answer = http.post(
            "/v1/predictions", content=body(), headers={"Content-Type": "application/json"}
        )

    assert answer.request.headers["transfer-encoding"] == "chunked"
    assert_too_large(answer)


def test_a_small_chunked_body_passes(limited: MimeoServer, echo_version: str) -> None:
    def body() -> Iterator[bytes]:
        yield b'{"input": '
        yield b'{"text": "in chunks"}}'

    with limited.http() as http:
        answer = http.post(
            "/v1/models/fixtures/echo/predictions",
            content=body(),
            headers={"Content-Type": "application/json", "Prefer": "wait"},
        )

    assert answer.status_code == 201, answer.text
    assert answer.json()["output"] == "in chunks"


def test_a_model_push_is_not_limited(limited: MimeoServer, echo_version: str) -> None:
    archive = limited.data_dir / "blobs" / "archives" / f"{echo_version}.tar.gz"

    assert archive.stat().st_size > LIMIT


def test_a_small_request_through_the_official_client_works(
    limited: MimeoServer, echo_version: str
) -> None:
    client = replicate.Client(api_token=limited.token, base_url=limited.url)

    assert client.run("fixtures/echo", input={"text": "small"}) == "small"
    client._client.close()
