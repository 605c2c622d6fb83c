"""A server's whole log, after a run that used every kind of credential and signed URL and
provoked the errors clients cause: not one token, secret or signature in it, and no traceback."""

from __future__ import annotations

import io
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.conftest import FIXTURES, TOKEN, MimeoServer, official_client, running_server

pytestmark = pytest.mark.slow
WORKER_TOKEN = "worker-token-that-must-not-be-logged"
WRONG_TOKEN = "r8_wrong-token-that-must-not-be-logged"
SIGNED_PARAMS = ("signature", "token")


@dataclass
class Run:
    log: str
    credentials: set[str]
    signatures: set[str]


def signatures_in(url: str) -> set[str]:
    query = parse_qs(urlsplit(url).query)
    return {value for name in SIGNED_PARAMS for value in query.get(name, [])}


def exercise(server: MimeoServer, used: set[str]) -> set[str]:
    """What a day of clients does: runs, streams, files, outputs, and the mistakes."""
    echo = server.push(FIXTURES / "echo", "fixtures/echo")
    with official_client(server) as client:
        ran = client.predictions.create(version=echo, input={"text": "hi"}, wait=True)
        uploaded = client.files.create(io.BytesIO(b"notes"), filename="notes.txt")
    file_output = server.push(FIXTURES / "outputs-path", "fixtures/outputs-path")
    with server.http() as http:
        output = http.post(
            "/v1/predictions",
            json={"version": file_output, "input": {}},
            headers={"Prefer": "wait"},
        ).json()
        used.add(http.get("/v1/webhooks/default/secret").json()["key"])
    signed = [ran.urls["stream"], uploaded.urls["download"], output["output"]]
    signatures = set().union(*(signatures_in(url) for url in signed))
    for url in signed:
        assert httpx.get(url, timeout=60).status_code == 200
        httpx.get(url.replace("signature=", "signature=x").replace("token=", "token=x"))
        httpx.get(f"{url}&signature=%C3%A9&token=%C3%A9")

    with server.http(WRONG_TOKEN) as stranger:
        stranger.get("/v1/account")
        stranger.get("/internal/v1/deployments/warm")
    with server.http() as http:
        http.get(f"/v1/predictions/missing?token={TOKEN}&signature={WORKER_TOKEN}")
        http.post(
            "/v1/predictions",
            json={"version": echo, "input": {}},
            headers={"Cancel-After": "9" * 30},
        )
        http.post(
            "/v1/predictions",
            content=b'{"version": "%s", "input": {"text": "\\ud800"}}' % echo.encode(),
            headers={"content-type": "application/json"},
        )
        http.request("TRACE", "/v1/account")
        http.post("/v1/files", files={"content": ("a", b"x"), "type": (None, "text/html\r\nX: 1")})
    return signatures


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory, env_dir: Path) -> Run:
    data_dir = tmp_path_factory.mktemp("logged")
    used = {TOKEN, WORKER_TOKEN, WRONG_TOKEN}
    with running_server(
        data_dir, env_dir, "--examples", "none", MIMEO_WORKER_TOKEN=WORKER_TOKEN
    ) as server:
        signatures = exercise(server, used)
    with sqlite3.connect(data_dir / "mimeo.db") as db:
        used.update(value for (value,) in db.execute("SELECT value FROM server_secrets"))
    return Run((data_dir / "serve.log").read_text(), used | signatures, signatures)


def test_the_run_left_a_log_of_its_work(run: Run) -> None:
    assert "prediction.enqueued" in run.log
    assert {TOKEN, WORKER_TOKEN, WRONG_TOKEN} < run.credentials
    assert len(run.signatures) == 3  # the stream's, the file download's, the output's


def test_no_token_secret_or_signature_is_in_the_server_log(run: Run) -> None:
    found = sorted(secret for secret in run.credentials if secret in run.log)

    assert found == []


def test_the_server_log_holds_no_traceback(run: Run) -> None:
    assert "Traceback" not in run.log
