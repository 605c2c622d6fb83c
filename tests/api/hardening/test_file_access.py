"""Files reach a prediction only through URLs the caller may read, and leave the API in a form
no browser runs."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from mimeo.api.http.links import STREAM
from mimeo.api.http.signing import UrlSigner
from mimeo.core.status import PredictionStatus
from tests.api.hardening.conftest import BOB_TOKEN, SIGNING_KEY, VERSION_ID, App


async def upload(app: App, token: str, name: str, data: bytes, media_type: str) -> dict[str, Any]:
    async with app.client(token) as client:
        answer = await client.post("/v1/files", files={"content": (name, data, media_type)})
    assert answer.status_code == 201
    uploaded: dict[str, Any] = answer.json()
    return uploaded


async def predict(app: App, given: dict[str, str]) -> tuple[int, dict[str, Any]]:
    async with app.client() as alice:
        answer = await alice.post("/v1/predictions", json={"version": VERSION_ID, "input": given})
    return answer.status_code, answer.json()


async def test_another_accounts_file_named_by_reference_is_refused(app: App) -> None:
    bobs = await upload(app, BOB_TOKEN, "secret.png", b"bob's", "image/png")

    status, problem = await predict(app, {"image": f"mimeo-blob:files/{bobs['id']}/secret.png"})

    assert status == 422
    assert [error["field"] for error in problem["errors"]] == ["image"]


@pytest.mark.parametrize("reference", ["mimeo-blob:archives/reader.tar.gz", "mimeo-blob:x"])
async def test_a_reference_in_a_text_field_is_refused_too(app: App, reference: str) -> None:
    """The worker hands every reference in an input to the model, whatever the field's type."""
    status, problem = await predict(app, {"text": reference, "image": "data:,x"})

    assert status == 422
    assert problem["errors"][0]["field"] == "text"
    assert "internal" in problem["detail"]


async def test_another_accounts_file_url_is_refused(app: App) -> None:
    bobs = await upload(app, BOB_TOKEN, "secret.png", b"bob's", "image/png")

    status, _problem = await predict(app, {"image": bobs["urls"]["get"]})

    assert status == 422


async def test_the_callers_own_file_url_is_accepted(app: App) -> None:
    own = await upload(app, "r8_alice-secret-token", "mine.png", b"mine", "image/png")

    status, created = await predict(app, {"image": own["urls"]["get"]})

    assert status == 201
    assert "signature=" in created["input"]["image"]


async def test_a_cover_image_reference_is_refused(app: App) -> None:
    body = {"owner": "alice", "name": "covered", "cover_image_url": "mimeo-blob:archives/x"}

    async with app.client() as alice:
        answer = await alice.post("/v1/models", json=body)

    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"


async def test_an_uploaded_html_file_downloads_as_a_sandboxed_attachment(app: App) -> None:
    page = await upload(app, BOB_TOKEN, "page.html", b"<script>1</script>", "text/html")

    async with app.client(token=None) as anonymous:
        answer = await anonymous.get(page["urls"]["download"])

    assert answer.status_code == 200
    assert answer.headers["content-disposition"] == 'attachment; filename="page.html"'
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["content-security-policy"] == "default-src 'none'; sandbox"


async def test_an_uploaded_image_downloads_inline_and_sandboxed(app: App) -> None:
    image = await upload(app, BOB_TOKEN, "dot.png", b"\x89PNG", "image/png")

    async with app.client(token=None) as anonymous:
        answer = await anonymous.get(image["urls"]["download"])

    assert answer.headers["content-disposition"] == 'inline; filename="dot.png"'
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["content-security-policy"] == "default-src 'none'; sandbox"


async def test_a_stream_url_expires_like_the_other_signed_urls(app: App) -> None:
    _status, created = await predict(app, {"text": "x", "image": "data:,x"})

    query = parse_qs(urlsplit(created["urls"]["stream"]).query)

    assert int(query["expires"][0]) >= time.time() + 3600
    assert query["token"]


async def test_an_expired_stream_url_is_refused(app: App) -> None:
    _status, created = await predict(app, {"text": "x", "image": "data:,x"})
    prediction_id = str(created["id"])
    expired = int(time.time()) - 1
    token = UrlSigner(SIGNING_KEY).sign(STREAM, f"{prediction_id}\n{expired}")

    async with app.client(token=None) as anonymous:
        answer = await anonymous.get(
            f"/v1/predictions/{prediction_id}/stream?expires={expired}&token={token}"
        )

    assert answer.status_code == 401


async def test_a_stream_url_without_an_expiry_is_refused(app: App) -> None:
    _status, created = await predict(app, {"text": "x", "image": "data:,x"})
    prediction_id = str(created["id"])
    forever = UrlSigner(SIGNING_KEY).sign(STREAM, prediction_id)

    async with app.client(token=None) as anonymous:
        answer = await anonymous.get(f"/v1/predictions/{prediction_id}/stream?token={forever}")

    assert answer.status_code == 401


async def finish_with_output(app: App, output: Callable[[str], Any]) -> str:
    """A prediction that a worker ran and whose model returned ``output(prediction_id)``."""
    _status, created = await predict(app, {"text": "x", "image": "data:,x"})
    prediction_id = str(created["id"])
    claimed = await app.context.queue.claim("w1")
    assert claimed is not None
    assert claimed.prediction.id == prediction_id
    await app.context.queue.finish(
        prediction_id, "w1", PredictionStatus.SUCCEEDED, output=output(prediction_id)
    )
    return prediction_id


async def read_back(app: App, prediction_id: str) -> tuple[Any, str]:
    """The prediction's output as the API shows it, and its stream replayed."""
    async with app.client() as alice:
        got = (await alice.get(f"/v1/predictions/{prediction_id}")).json()
        streamed = await alice.get(f"/v1/predictions/{prediction_id}/stream")
    return got["output"], streamed.text


async def test_a_model_output_that_names_another_blob_stays_text(app: App) -> None:
    """A model can write any text; one that looks like a reference must not become a link."""
    bobs = await upload(app, BOB_TOKEN, "secret.png", b"bob's", "image/png")
    foreign = f"mimeo-blob:files/{bobs['id']}/secret.png"

    prediction_id = await finish_with_output(app, lambda _id: [foreign])
    output, streamed = await read_back(app, prediction_id)

    assert output == [foreign]
    assert "signature=" not in streamed


async def test_a_models_own_stored_output_becomes_a_signed_url(app: App) -> None:
    prediction_id = await finish_with_output(
        app, lambda own_id: [f"mimeo-blob:outputs/{own_id}/output.png"]
    )
    output, streamed = await read_back(app, prediction_id)

    assert f"/v1/blobs/outputs/{prediction_id}/output.png?" in output[0]
    assert "signature=" in output[0]
    assert "signature=" in streamed
