"""mimeo's OpenAPI document lists each operation's answers: problem+json errors, and the media
types of answers that are not JSON."""

from __future__ import annotations

from typing import Any

from tests.api.hardening.conftest import App

PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


async def spec(app: App) -> dict[str, Any]:
    async with app.client(token=None) as anonymous:
        document: dict[str, Any] = (await anonymous.get("/openapi.json")).json()
    return document


def operations(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        f"{method.upper()} {path}": operation
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    }


async def test_every_operation_lists_a_500_problem(app: App) -> None:
    document = await spec(app)

    missing = [name for name, op in operations(document).items() if "500" not in op["responses"]]

    assert missing == []
    assert document["components"]["schemas"]["Problem"]["required"] == [
        "type",
        "title",
        "status",
        "detail",
    ]


async def test_error_answers_are_problem_json_not_fastapis_validation_shape(app: App) -> None:
    document = await spec(app)

    errors = [
        response["content"]
        for op in operations(document).values()
        for status, response in op["responses"].items()
        if status.startswith(("4", "5"))
    ]

    assert errors
    assert all(content == PROBLEM for content in errors)
    assert "HTTPValidationError" not in document["components"]["schemas"]


async def test_statuses_follow_what_each_route_takes(app: App) -> None:
    listed = {name: set(op["responses"]) for name, op in operations(await spec(app)).items()}

    assert listed["GET /v1/account"] == {"200", "401", "500"}
    assert listed["GET /v1/predictions/{prediction_id}"] >= {"401", "404", "422"}
    assert listed["POST /v1/files"] >= {"401", "413", "422", "503"}
    assert "401" not in listed["GET /v1/models/{owner}/{name}/cover"]
    assert listed["POST /v1/models"] >= {"409", "413"}


async def test_a_method_not_allowed_says_which_are(app: App) -> None:
    async with app.client() as alice:
        answer = await alice.request("TRACE", "/v1/account")

    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET"
    assert answer.headers["content-type"] == "application/problem+json"


async def test_downloads_and_streams_document_what_they_really_send(app: App) -> None:
    listed = operations(await spec(app))

    def success(name: str) -> set[str]:
        return set(listed[name]["responses"]["200"]["content"])

    assert success("GET /v1/files/{file_id}/download") == {"*/*"}
    assert success("GET /v1/blobs/{key}") == {"*/*"}
    assert success("GET /v1/predictions/{prediction_id}/stream") == {"text/event-stream"}
    assert "image/png" in success("GET /v1/models/{owner}/{name}/cover")
