"""An error no handler expected: one log line with a request id, never a credential, and a 500
problem that carries the same id."""

from __future__ import annotations

import structlog.testing

from tests.api.hardening.conftest import ALICE_TOKEN, App

SIGNATURE = "sig-that-must-stay-secret"


def add_failing_route(app: App) -> None:
    async def fail() -> None:
        raise RuntimeError(f"broken while holding {ALICE_TOKEN}")

    app.app.add_api_route("/v1/boom", fail)


async def test_an_unexpected_error_is_a_500_problem_with_a_request_id(app: App) -> None:
    add_failing_route(app)

    async with app.client() as alice:
        answer = await alice.get("/v1/boom")

    assert answer.status_code == 500
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["status"] == 500
    assert problem["title"] == "Internal Server Error"
    assert problem["request_id"] == answer.headers["x-request-id"]
    assert problem["request_id"] in problem["detail"]


async def test_an_unexpected_error_logs_one_line_under_its_request_id(app: App) -> None:
    add_failing_route(app)

    with structlog.testing.capture_logs() as logged:
        async with app.client() as alice:
            answer = await alice.get(f"/v1/boom?signature={SIGNATURE}&token={SIGNATURE}")

    assert len(logged) == 1
    line = logged[0]
    assert line["event"] == "api.unhandled_error"
    assert line["request_id"] == answer.json()["request_id"]
    assert line["error_type"] == "builtins.RuntimeError"
    assert "test_unhandled_errors.py:" in line["location"]
    assert line["path"] == "/v1/boom"


async def test_the_log_line_holds_no_token_signature_or_header(app: App) -> None:
    add_failing_route(app)

    with structlog.testing.capture_logs() as logged:
        async with app.client() as alice:
            await alice.get(f"/v1/boom?signature={SIGNATURE}", headers={"X-Secret": SIGNATURE})

    text = repr(logged)
    assert ALICE_TOKEN not in text
    assert SIGNATURE not in text
    assert "authorization" not in text.lower()
