"""The catalogue over real HTTP on the session server: every operation of Replicate's OpenAPI
has a route here, and the unchanged Python client searches and reads collections that the
``mimeo collections`` commands made."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import replicate
from typer.testing import CliRunner

from mimeo.cli.app import app as cli_app
from tests.conftest import WORKER_TOKEN, MimeoServer

REPLICATE_OPENAPI = Path(__file__).with_name("replicate-openapi.json")
"""Replicate's published OpenAPI document ("Replicate HTTP API" 1.0.0-a1), kept as it is."""
METHODS = ("get", "post", "put", "patch", "delete", "query")


def replicate_operations() -> list[tuple[str, str]]:
    paths: dict[str, dict[str, Any]] = json.loads(REPLICATE_OPENAPI.read_text())["paths"]
    return sorted(
        (method.upper(), path)
        for path, operations in paths.items()
        for method in operations
        if method in METHODS
    )


OPERATIONS = replicate_operations()


def test_the_contract_is_read() -> None:
    assert ("QUERY", "/models") in OPERATIONS
    assert ("POST", "/models/{model_owner}/{model_name}/versions/{version_id}/trainings") in (
        OPERATIONS
    )


@pytest.fixture(scope="module")
def http(mimeo_server: MimeoServer) -> Iterator[httpx.Client]:
    with mimeo_server.http() as client:
        yield client


@pytest.mark.parametrize(
    ("method", "path"), [pytest.param(m, p, id=f"{m} {p}") for m, p in OPERATIONS]
)
def test_every_replicate_operation_has_a_route(http: httpx.Client, method: str, path: str) -> None:
    """A routing miss is a 405, or a 404 with Starlette's bare ``Not Found``; a 404 about a
    missing object names it, and any other answer (401, 422, ...) came from a route."""
    url = "/v1" + re.sub(r"\{[^}]+\}", "catalogue-probe", path)
    if method == "QUERY":
        response = http.request(method, url, content=b"probe")
    elif method in ("POST", "PUT", "PATCH"):
        response = http.request(method, url, json={})
    else:
        response = http.request(method, url)

    assert response.status_code != 405, response.text
    assert not (response.status_code == 404 and response.json()["detail"] == "Not Found")


def test_python_client_searches_and_reads_collections(
    mimeo_server: MimeoServer, client: replicate.Client, push_fixture: Callable[[str], str]
) -> None:
    push_fixture("echo")
    runner = CliRunner()
    server = ["--server", mimeo_server.url, "--token", WORKER_TOKEN]
    commands = [
        ["collections", "create", "probe-echoes", "--name", "Echoes", "--description", "Echo"],
        ["collections", "add", "probe-echoes", "fixtures/echo"],
    ]
    for command in commands:
        result = runner.invoke(cli_app, [*command, *server])
        assert result.exit_code == 0, result.output
    refused = runner.invoke(cli_app, [*commands[1], "--server", mimeo_server.url, "--token", "x"])

    found = client.models.search("fixtures echo")
    listed = client.collections.list()
    echoes = client.collections.get("probe-echoes")

    assert refused.exit_code == 1
    assert "fixtures/echo" in [f"{m.owner}/{m.name}" for m in found.results]
    assert "probe-echoes" in [c.slug for c in listed.results]
    assert [f"{m.owner}/{m.name}" for m in echoes] == ["fixtures/echo"]


def test_a_model_without_readme_answers_a_404_problem(
    http: httpx.Client, push_fixture: Callable[[str], str]
) -> None:
    push_fixture("echo")

    answer = http.get("/v1/models/fixtures/echo/readme")

    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["detail"] == "Model fixtures/echo has no README"
