"""The unchanged official JavaScript client (npm ``replicate``) at the places where it differs
from the Python one: a base URL ending in ``/v1``, ``Content-Type`` on every request, cancel with
an empty JSON body, absolute ``next`` links, ``run()`` with ``Prefer: wait``, and its own
webhook signature check."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, WORKER_TOKEN, MimeoServer
from tests.webhook_receiver import Receiver

JS_DIR = ROOT / "tests" / "js"


@pytest.fixture(scope="module")
def node_client() -> Path:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("Node.js and npm are needed for the JavaScript client tests")
    if not (JS_DIR / "node_modules" / "replicate").is_dir():
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--silent"],
            cwd=JS_DIR,
            check=True,
            timeout=300,
        )
    return JS_DIR / "client.mjs"


@pytest.fixture
def js(node_client: Path, mimeo_server: MimeoServer) -> Callable[..., dict[str, Any]]:
    def run(scenario: str, *args: str) -> dict[str, Any]:
        result = subprocess.run(
            [
                "node",
                str(node_client),
                scenario,
                f"{mimeo_server.url}/v1",
                mimeo_server.token,
                *args,
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        answer: dict[str, Any] = json.loads(result.stdout)
        return answer

    return run


def test_js_run_returns_the_output(
    js: Callable[..., dict[str, Any]], push_fixture: Callable[[str], str]
) -> None:
    push_fixture("echo")

    assert js("run", "fixtures/echo", '{"text": "from node"}') == {"output": "from node"}


def test_js_create_cancel_get(
    js: Callable[..., dict[str, Any]], push_fixture: Callable[[str], str]
) -> None:
    version = push_fixture("sleep")

    answer = js("lifecycle", version, '{"seconds": 20}')

    assert answer["created"] == "starting"
    assert answer["canceledId"] == answer["fetched"]


def test_js_paginates_with_absolute_next_links(
    js: Callable[..., dict[str, Any]], mimeo_server: MimeoServer, push_fixture: Callable[[str], str]
) -> None:
    version = push_fixture("echo")
    with mimeo_server.http() as http:
        made = [
            http.post("/v1/predictions", json={"version": version, "input": {"text": "p"}}).json()
            for _ in range(3)
        ]

    ids = js("pages")["ids"]

    assert {p["id"] for p in made} <= set(ids)
    assert len(ids) == len(set(ids))


def test_js_models_get_and_versions(
    js: Callable[..., dict[str, Any]], push_fixture: Callable[[str], str]
) -> None:
    version = push_fixture("echo")

    answer = js("model", "fixtures", "echo")

    assert answer["latest"] == version
    assert version in answer["versions"]


def test_js_invalid_input_is_an_api_error_with_status_422(
    js: Callable[..., dict[str, Any]], push_fixture: Callable[[str], str]
) -> None:
    version = push_fixture("echo")

    answer = js("invalid", version, '{"text": 12}')

    assert answer["status"] == 422
    assert "text" in answer["message"]


def test_js_stream_opens_the_stream_url_without_a_token(
    js: Callable[..., dict[str, Any]], push_fixture: Callable[[str], str]
) -> None:
    version = push_fixture("stream")

    events = js("stream", f"fixtures/stream:{version}", '{"n": 3}')["events"]

    assert [e["data"] for e in events if e["event"] == "output"] == [
        "token0 ",
        "token1 ",
        "token2 ",
    ]
    assert events[-1]["event"] == "done"


def test_js_files_create_sends_metadata_as_a_json_part_and_delete_is_204(
    js: Callable[..., dict[str, Any]],
) -> None:
    answer = js("files", "hello from node")

    assert answer["created"]["size"] == len("hello from node")
    assert answer["created"]["metadata"] == {"purpose": "test"}
    assert answer["fetchedId"] == answer["created"]["id"]
    assert answer["deleted"] is True


def test_js_run_uploads_a_buffer_input(
    js: Callable[..., dict[str, Any]], push_fixture: Callable[[str], str]
) -> None:
    version = push_fixture("all-inputs")

    answer = js("runWithFile", f"fixtures/all-inputs:{version}", '{"prompt": "p"}', "12 bytes!!!!")

    assert json.loads(answer["output"])["path"] == {"length": 12}


def test_js_validate_webhook_accepts_a_real_delivery(
    js: Callable[..., dict[str, Any]],
    mimeo_server: MimeoServer,
    push_fixture: Callable[[str], str],
    tmp_path: Path,
) -> None:
    """The JS client decodes the secret as standard base64 and signs ``id.timestamp.body``."""
    version = push_fixture("echo")
    receiver = Receiver().start()
    try:
        with mimeo_server.http() as http:
            prediction = http.post(
                "/v1/predictions",
                json={
                    "version": version,
                    "input": {"text": "signed for node"},
                    "webhook": receiver.url,
                    "webhook_events_filter": ["completed"],
                },
            ).json()
        [delivery] = receiver.wait_completed(prediction["id"])
    finally:
        receiver.stop()
    saved = tmp_path / "delivery.json"
    saved.write_text(json.dumps({"headers": delivery.headers, "body": delivery.body}))

    answer = js("validate-webhook", str(saved))

    assert answer == {"valid": True, "validAsRequest": True, "tamperedValid": False}


def test_js_deployments_create_run_update_and_delete(
    js: Callable[..., dict[str, Any]], push_fixture: Callable[[str], str]
) -> None:
    version = push_fixture("echo")

    answer = js("deployment", "js-echo", "fixtures/echo", version)

    assert answer == {
        "release": 1,
        "output": "from a deployment",
        "deployment": "admin/js-echo",
        "updatedRelease": 2,
        "listed": True,
        "deleted": True,
    }


def test_js_searches_with_a_json_string_body_and_reads_collections(
    js: Callable[..., dict[str, Any]],
    mimeo_server: MimeoServer,
    push_fixture: Callable[[str], str],
) -> None:
    push_fixture("echo")
    with mimeo_server.http(WORKER_TOKEN) as operator:
        operator.put("/v1/admin/collections/js-echoes", json={"name": "Echoes"})
        operator.put("/v1/admin/collections/js-echoes/models/fixtures/echo")

    answer = js("catalogue", "fixtures echo", "js-echoes")

    assert "fixtures/echo" in answer["found"]
    assert "js-echoes" in answer["listed"]
    assert answer["models"] == ["fixtures/echo"]


def test_a_training_created_polled_listed_and_canceled_by_the_js_client(
    js: Callable[..., dict[str, Any]], push_fixture: Callable[[str], str]
) -> None:
    """``trainings.create(owner, name, version, {destination, input})``; cancelling an ended
    training (an empty JSON body) returns it unchanged."""
    version = push_fixture("trainer")
    answer = js(
        "training", "fixtures", "trainer", version, "admin/js-trained", '{"greeting": "hallo"}'
    )

    assert answer["created"] == "starting"
    assert answer["status"] == "succeeded"
    assert answer["output"]["version"].startswith("admin/js-trained:")
    assert answer["listed"] is True
    assert answer["canceled"] == "succeeded"
