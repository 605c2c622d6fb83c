"""Files into and out of models: a path, an uploaded file, a URL or a data URI in; stored,
signed URLs out."""

from __future__ import annotations

import base64
import io
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import replicate
from PIL import Image
from replicate.exceptions import ReplicateError

from tests.conftest import EXAMPLES, MimeoServer

PAYLOAD = b"twelve bytes"


def file_length(output: str) -> int:
    return int(json.loads(output)["path"]["length"])


@pytest.fixture(scope="module")
def all_inputs(push_fixture: Callable[[str], str]) -> str:
    return f"fixtures/all-inputs:{push_fixture('all-inputs')}"


@pytest.fixture(scope="module")
def image_filter(mimeo_server: MimeoServer) -> str:
    version = mimeo_server.push(EXAMPLES / "image-filter", "examples/image-filter")
    return f"examples/image-filter:{version}"


@pytest.fixture(scope="module")
def file_server() -> Iterator[str]:
    """Serves PAYLOAD on loopback, as a user's own file host would."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(PAYLOAD)))
            self.end_headers()
            self.wfile.write(PAYLOAD)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/twelve.txt"
    server.shutdown()
    server.server_close()


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_an_open_file_is_uploaded_by_the_client_and_reaches_the_model(
    client: replicate.Client, all_inputs: str, tmp_path: Path
) -> None:
    path = tmp_path / "input.txt"
    path.write_bytes(PAYLOAD)

    with path.open("rb") as handle:
        output: Any = client.run(all_inputs, input={"prompt": "p", "path": handle})

    assert file_length(output) == len(PAYLOAD)


def test_a_data_uri_reaches_the_model(client: replicate.Client, all_inputs: str) -> None:
    data_uri = "data:text/plain;base64," + base64.b64encode(PAYLOAD).decode()

    output: Any = client.run(all_inputs, input={"prompt": "p", "path": data_uri})

    assert file_length(output) == len(PAYLOAD)


def test_the_client_base64_strategy_reaches_the_model(
    client: replicate.Client, all_inputs: str
) -> None:
    output: Any = client.run(
        all_inputs,
        input={"prompt": "p", "path": io.BytesIO(PAYLOAD)},
        file_encoding_strategy="base64",
    )

    assert file_length(output) == len(PAYLOAD)


def test_a_url_is_fetched_for_the_model(
    client: replicate.Client, all_inputs: str, file_server: str
) -> None:
    output: Any = client.run(all_inputs, input={"prompt": "p", "path": file_server})

    assert file_length(output) == len(PAYLOAD)


def test_an_uploaded_file_url_reaches_the_model(client: replicate.Client, all_inputs: str) -> None:
    uploaded = client.files.create(io.BytesIO(PAYLOAD), filename="twelve.txt")

    output: Any = client.run(all_inputs, input={"prompt": "p", "path": uploaded.urls["get"]})

    assert file_length(output) == len(PAYLOAD)


def test_an_unknown_uploaded_file_is_a_field_error(
    client: replicate.Client, mimeo_server: MimeoServer, all_inputs: str
) -> None:
    with pytest.raises(ReplicateError) as raised:
        client.run(all_inputs, input={"prompt": "p", "path": f"{mimeo_server.url}/v1/files/nope"})

    assert raised.value.status == 422
    assert "path" in str(raised.value.detail)


def test_a_file_scheme_input_is_refused(client: replicate.Client, all_inputs: str) -> None:
    with pytest.raises(ReplicateError) as raised:
        client.run(all_inputs, input={"prompt": "p", "path": "file:///etc/passwd"})

    assert raised.value.status == 422


def test_an_image_output_is_stored_and_served_at_a_signed_url(
    client: replicate.Client, image_filter: str
) -> None:
    output: Any = client.run(
        image_filter, input={"image": io.BytesIO(png_bytes()), "filter": "invert"}
    )

    response = httpx.get(str(output))
    assert "/v1/blobs/outputs/" in str(output)
    assert response.headers["content-type"] == "image/png"
    with Image.open(io.BytesIO(response.content)) as image:
        assert image.getpixel((0, 0)) == (55, 225, 225)


def test_an_output_url_can_be_the_next_prediction_s_input(
    client: replicate.Client, image_filter: str
) -> None:
    inverted = client.run(
        image_filter, input={"image": io.BytesIO(png_bytes()), "filter": "invert"}
    )

    restored = client.run(image_filter, input={"image": str(inverted), "filter": "invert"})

    with Image.open(io.BytesIO(httpx.get(str(restored)).content)) as image:
        assert image.getpixel((0, 0)) == (200, 30, 30)


def test_a_tampered_output_url_is_refused(client: replicate.Client, image_filter: str) -> None:
    output = str(client.run(image_filter, input={"image": io.BytesIO(png_bytes())}))

    response = httpx.get(output.replace("signature=", "signature=x"))

    assert response.status_code == 401
