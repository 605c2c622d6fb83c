"""A ``cog.Secret`` input through the real ``mimeo serve`` and the official client: the model
gets the value (it answers the value's SHA-256, never the value), and nothing else holds it —
not one API answer, stream, webhook body, byte of the database (with its write-ahead log), line
of the server's log or file in its data directory."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import replicate

from tests.conftest import MimeoServer
from tests.webhook_receiver import Receiver

REDACTED = "**********"
SECRET = f"sk-e2e-{uuid.uuid4().hex}"


@dataclass
class Run:
    output: str
    inputs: list[object]
    texts: dict[str, str]
    """What each place a secret could leak to held after the run, by the place's name."""


@pytest.fixture(scope="module")
def run(
    mimeo_server: MimeoServer,
    client: replicate.Client,
    push_fixture: Callable[[str], str],
) -> Run:
    version = push_fixture("secret-input")
    texts: dict[str, str] = {}
    with Receiver().start() as receiver, mimeo_server.http() as http:
        prediction = client.predictions.create(
            version=version, input={"token": SECRET, "note": "n"}, webhook=receiver.url
        )
        received = receiver.wait_completed(prediction.id)
        texts["webhook bodies"] = "\n".join(r.body for r in received)
        waited = http.post(
            "/v1/models/fixtures/secret-input/predictions",
            json={"input": {"token": SECRET}},
            headers={"Prefer": "wait"},
        )
        texts["create with Prefer: wait"] = waited.text
        texts["get"] = http.get(f"/v1/predictions/{prediction.id}").text
        texts["list"] = http.get("/v1/predictions").text
        texts["stream"] = http.get(prediction.urls["stream"]).text
        texts["web page"] = http.get(f"/p/{prediction.id}", follow_redirects=True).text
        texts["422"] = http.post(
            "/v1/predictions", json={"version": version, "input": {"token": SECRET, "note": 1}}
        ).text
    final = client.predictions.get(prediction.id)
    texts["official client's create answer"] = repr(prediction)
    for path in sorted(mimeo_server.data_dir.rglob("*")):
        if path.is_file():
            texts[f"data dir: {path.relative_to(mimeo_server.data_dir)}"] = read(path)
    return Run(final.output, [final.input, waited.json()["input"]], texts)


def read(path: Path) -> str:
    """Bytes as text, undecodable ones kept as escapes: an ASCII secret shows either way."""
    try:
        return path.read_bytes().decode(errors="backslashreplace")
    except OSError:
        return ""  # gone between listing and reading (a rotated temporary file)


def test_the_model_received_the_secret(run: Run) -> None:
    assert run.output == hashlib.sha256(SECRET.encode()).hexdigest()


def test_every_answer_shows_the_secret_redacted(run: Run) -> None:
    assert run.inputs == [{"token": REDACTED, "note": "n"}, {"token": REDACTED}]


def test_the_secret_is_nowhere_but_in_the_model(run: Run) -> None:
    searched = {name.split(": ")[-1] for name in run.texts}
    assert {"mimeo.db", "mimeo.db-wal", "serve.log"} <= searched
    assert any(name.startswith("worker/logs/") for name in searched)  # the model server's own

    leaked = sorted(place for place, text in run.texts.items() if SECRET in text)

    assert leaked == []
