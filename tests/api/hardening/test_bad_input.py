"""Input an attacker would send: always a 4xx problem, and nothing stored that breaks a later
answer."""

from __future__ import annotations

import io
import json
import tarfile
from datetime import UTC, datetime
from typing import Any

import pytest

from mimeo.core.ids import new_file_id
from tests.api.hardening.conftest import READER_SCHEMA, VERSION_ID, App

LONE_SURROGATE_INPUT = b'{"version": "%s", "input": {"text": "\\ud800"}}' % VERSION_ID.encode()
JSON = {"content-type": "application/json"}


def assert_problem(answer_status: int, content_type: str, expected: int) -> None:
    assert answer_status == expected
    assert content_type == "application/problem+json"


async def test_a_lone_surrogate_in_an_input_is_refused(app: App) -> None:
    async with app.client() as alice:
        answer = await alice.post("/v1/predictions", content=LONE_SURROGATE_INPUT, headers=JSON)

    assert_problem(answer.status_code, answer.headers["content-type"], 422)
    assert answer.json()["errors"][0]["field"] == "input.text"


async def test_a_refused_lone_surrogate_leaves_the_prediction_list_readable(app: App) -> None:
    async with app.client() as alice:
        await alice.post("/v1/predictions", content=LONE_SURROGATE_INPUT, headers=JSON)
        listed = await alice.get("/v1/predictions")

    assert listed.status_code == 200
    assert listed.json()["results"] == []


async def test_a_valid_surrogate_pair_is_text(app: App) -> None:
    body = b'{"version": "%s", "input": {"text": "\\ud83d\\ude00"}}' % VERSION_ID.encode()

    async with app.client() as alice:
        created = await alice.post("/v1/predictions", content=body, headers=JSON)
        listed = await alice.get("/v1/predictions")

    assert created.status_code == 201
    assert created.json()["input"]["text"] == "\U0001f600"
    assert listed.status_code == 200


async def test_a_lone_surrogate_in_file_metadata_is_refused(app: App) -> None:
    files: dict[str, Any] = {"content": ("a.txt", b"x"), "metadata": (None, '{"a": "\\ud800"}')}

    async with app.client() as alice:
        answer = await alice.post("/v1/files", files=files)
        listed = await alice.get("/v1/files")

    assert_problem(answer.status_code, answer.headers["content-type"], 422)
    assert answer.json()["errors"][0]["field"] == "metadata.a"
    assert listed.status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/v1/predictions/x/stream?token=%C3%A9",
        "/v1/predictions/x/stream?expires=99999999999&token=%C3%A9",
        "/v1/blobs/outputs/x/out.txt?expires=99999999999&signature=%C3%A9",
        "/v1/files/x/download?owner=alice&expiry=99999999999&signature=%C3%A9",
    ],
)
async def test_a_non_ascii_signature_is_refused_as_unauthenticated(app: App, url: str) -> None:
    async with app.client(token=None) as anonymous:
        answer = await anonymous.get(url)

    assert_problem(answer.status_code, answer.headers["content-type"], 401)


@pytest.mark.parametrize("duration", ["99999999999999999999h", "9999999h", "169h"])
async def test_a_cancel_after_beyond_a_week_is_refused(app: App, duration: str) -> None:
    body = {"version": VERSION_ID, "input": {"text": "x"}}

    async with app.client() as alice:
        answer = await alice.post("/v1/predictions", json=body, headers={"Cancel-After": duration})

    assert_problem(answer.status_code, answer.headers["content-type"], 422)
    assert answer.json()["errors"][0]["field"] == "Cancel-After"


@pytest.mark.parametrize(
    "media_type", ["text/html\r\nX-Injected: 1", "text/html\nX-Injected: 1", "no-slash", "é/x"]
)
async def test_a_file_type_that_is_not_a_media_type_is_refused(app: App, media_type: str) -> None:
    files: dict[str, Any] = {"content": ("a.html", b"<p>hi</p>"), "type": (None, media_type)}

    async with app.client() as alice:
        answer = await alice.post("/v1/files", files=files)

    assert_problem(answer.status_code, answer.headers["content-type"], 422)
    assert answer.json()["errors"][0]["field"] == "type"


async def test_a_stored_file_with_a_broken_type_downloads_as_octet_stream(app: App) -> None:
    """Files kept before types were checked still download, under a neutral type."""
    alice = await app.context.store.accounts.by_username("alice")
    assert alice is not None
    file_id = new_file_id()
    await app.context.blobs.put(f"files/{file_id}/a.html", b"<p>hi</p>", None)
    await app.context.store.files.insert(
        id=file_id,
        account_id=alice.id,
        name="a.html",
        content_type="text/html\r\nX-Injected: 1",
        size=9,
        sha256="0" * 64,
        md5="0" * 32,
        metadata={},
        blob_key=f"files/{file_id}/a.html",
        created_at=datetime.now(UTC),
        expires_at=None,
    )

    async with app.client() as client:
        answer = await client.get(f"/v1/files/{file_id}/download")

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/octet-stream"
    assert "x-injected" not in answer.headers


def model_archive(schema: object) -> bytes:
    members = {
        "cog.yaml": b"predict: predict.py:Predictor\n",
        "predict.py": b"",
        ".cog/openapi_schema.json": json.dumps(schema).encode(),
    }
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.mark.parametrize(
    "schema",
    [
        [1, 2, 3],
        {"components": {"schemas": {"Input": [], "Output": {}}}},
        {"components": {"schemas": {"Input": {"properties": {"a": 1}}, "Output": {}}}},
        {"components": {"schemas": {"Input": {"properties": {}}}}},
        {
            "components": {
                "schemas": {
                    "Input": {"properties": {"a": {"type": "string", "pattern": "("}}},
                    "Output": {},
                }
            }
        },
        {
            "components": {
                "schemas": {
                    "Input": {"properties": {"a": {"allOf": [{"$ref": "#/components/schemas/a"}]}}},
                    "a": {"allOf": [{"$ref": "#/components/schemas/a"}]},
                    "Output": {},
                }
            }
        },
    ],
)
async def test_a_push_whose_schema_readers_cannot_use_is_refused(app: App, schema: object) -> None:
    async with app.client() as alice:
        answer = await alice.post(
            "/v1/models/alice/broken/versions",
            content=model_archive(schema),
            headers={"content-type": "application/gzip"},
        )
        listed = await alice.get("/v1/models")

    assert_problem(answer.status_code, answer.headers["content-type"], 422)
    assert answer.json()["errors"][0]["field"] == "openapi_schema"
    assert listed.status_code == 200


async def test_a_push_with_a_cog_schema_is_accepted(app: App) -> None:
    async with app.client() as alice:
        answer = await alice.post(
            "/v1/models/alice/fine/versions",
            content=model_archive(READER_SCHEMA),
            headers={"content-type": "application/gzip"},
        )

    assert answer.status_code == 201


async def keep_unchecked_version(app: App, schema: object) -> None:
    """A version kept before pushes were checked, straight into the store."""
    alice = await app.context.store.accounts.by_username("alice")
    assert alice is not None
    model = await app.context.store.catalog.create_model(alice.id, "alice", "legacy")
    await app.context.store.catalog.add_version(
        model,
        "6" * 64,
        cog_version="0.16.9",
        openapi_schema=schema,  # type: ignore[arg-type]
        build={},
        archive_key="archives/legacy.tar.gz",
    )


async def test_a_kept_unusable_schema_does_not_break_model_listings(app: App) -> None:
    await keep_unchecked_version(app, [1, 2, 3])

    async with app.client() as alice:
        listed = await alice.get("/v1/models")
        got = await alice.get("/v1/models/alice/legacy")

    assert listed.status_code == 200
    assert got.json()["latest_version"]["openapi_schema"] == {}


async def test_a_kept_unusable_schema_refuses_predictions_with_a_conflict(app: App) -> None:
    await keep_unchecked_version(app, [1, 2, 3])

    async with app.client() as alice:
        answer = await alice.post("/v1/models/alice/legacy/predictions", json={"input": {}})

    assert_problem(answer.status_code, answer.headers["content-type"], 409)
    assert "push the model again" in answer.json()["detail"]


async def test_a_lone_surrogate_from_a_model_is_kept_as_a_replacement_character(
    app: App,
) -> None:
    """What a model prints or returns is its own: kept, but as text every answer can carry."""
    async with app.client() as alice:
        created = (
            await alice.post("/v1/predictions", json={"version": VERSION_ID, "input": {}})
        ).json()
    claimed = await app.context.queue.claim("w1")
    assert claimed is not None
    report = b"""{"kind": "finished", "worker_id": "w1", "logs": "said \\ud800\\n",
        "outcome": {"status": "succeeded", "output": ["x\\udfff", "\\ud83d\\ude00"]}}"""

    async with app.client(token="worker-secret-token") as worker:
        reported = await worker.post(
            f"/internal/v1/predictions/{created['id']}/report", content=report, headers=JSON
        )
    async with app.client() as alice:
        listed = await alice.get("/v1/predictions")

    assert reported.status_code == 200
    assert listed.status_code == 200
    shown = listed.json()["results"][0]
    assert shown["output"] == ["x\ufffd", "\U0001f600"]
    assert shown["logs"] == "said \ufffd\n"
