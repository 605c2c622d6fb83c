"""File inputs by URL may not reach into the server's own network unless the operator allows it:
refused by default in cluster mode, allowed by default in embedded mode (tested with the session
server in test_file_io)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import FIXTURES, MimeoServer, running_server


@pytest.fixture(scope="module")
def cluster_server(
    tmp_path_factory: pytest.TempPathFactory, env_dir: Path
) -> Iterator[MimeoServer]:
    data_dir = tmp_path_factory.mktemp("cluster-policy")
    with running_server(data_dir, env_dir, "--no-worker", "--examples", "none") as server:
        server.push(FIXTURES / "all-inputs", "fixtures/all-inputs")
        yield server


def create(server: MimeoServer, path: str) -> httpx.Response:
    with server.http() as http:
        return http.post(
            "/v1/models/fixtures/all-inputs/predictions",
            json={"input": {"prompt": "p", "path": path}},
        )


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/secret",
        "http://localhost/admin",
        "http://10.0.0.1/internal",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
    ],
)
def test_a_private_address_is_refused_in_cluster_mode(
    cluster_server: MimeoServer, url: str
) -> None:
    response = create(cluster_server, url)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "path"
    assert "private or loopback" in response.json()["errors"][0]["message"]


def test_a_host_that_does_not_resolve_is_refused(cluster_server: MimeoServer) -> None:
    response = create(cluster_server, "http://no-such-host.invalid/file.png")

    assert response.status_code == 422
    assert "does not resolve" in response.json()["detail"]


def test_a_data_uri_is_accepted_in_cluster_mode(cluster_server: MimeoServer) -> None:
    response = create(cluster_server, "data:text/plain;base64,aGk=")

    assert response.status_code == 201
