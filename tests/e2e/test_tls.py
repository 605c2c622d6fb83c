"""``mimeo serve`` over HTTPS: the unchanged official client, the certificate kept across starts,
the operator's own certificate. Slow: each test starts real servers (and pushes the echo fixture
as the bundled example, to see the push at start trust the server it started)."""

from __future__ import annotations

import datetime
import io
import os
import shutil
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
import replicate
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from PIL import Image
from replicate.helpers import FileOutput

from mimeo.cli.tls import issue_server_certificate, new_ca
from tests.conftest import EXAMPLES, FIXTURES, MimeoServer, running_server

pytestmark = pytest.mark.slow
LIBRARY_READY = "The model library is ready"


def echo_as_example(directory: Path) -> dict[str, str]:
    """The environment that makes ``mimeo serve`` push only ``examples/echo`` at start."""
    shutil.copytree(FIXTURES / "echo", directory / "echo")
    return {"MIMEO_EXAMPLES_DIR": str(directory)}


def wait_until_ready(server: MimeoServer) -> str:
    """The server's output once all its examples are pushed (``echo`` is not one of the small
    ones pushed before the server says it is ready, so this waits for the whole library)."""
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        output = server.log.read_text()
        if LIBRARY_READY in output:
            return output
        if server.process.poll() is not None:
            break
        time.sleep(0.2)
    raise AssertionError(f"the server never became ready:\n{server.log.read_text()}")


def printed(output: str, name: str) -> str:
    for line in output.splitlines():
        if f"export {name}=" in line:
            return line.split("=", 1)[1].strip()
    raise AssertionError(f"{name} not printed:\n{output}")


def ca(server: MimeoServer) -> Path:
    return server.data_dir / "tls" / "ca.pem"


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def presented_certificate(server: MimeoServer) -> x509.Certificate:
    port = httpx.URL(server.url).port
    assert port is not None
    return x509.load_pem_x509_certificate(ssl.get_server_certificate(("127.0.0.1", port)).encode())


@contextmanager
def official_client(server: MimeoServer, ca_file: Path) -> Iterator[replicate.Client]:
    """``replicate.Client`` passes its own transport to httpx, so a ``verify=`` argument would
    not reach it: the CA goes in through ``transport`` (or ``SSL_CERT_FILE``)."""
    context = ssl.create_default_context(cafile=ca_file)
    client = replicate.Client(
        api_token=server.token, base_url=server.url, transport=httpx.HTTPTransport(verify=context)
    )
    try:
        yield client
    finally:
        client._client.close()


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory, env_dir: Path) -> Iterator[MimeoServer]:
    data_dir = tmp_path_factory.mktemp("tls-data")
    examples = echo_as_example(tmp_path_factory.mktemp("tls-examples"))
    with running_server(data_dir, env_dir, "--tls-self-signed", scheme="https", **examples) as s:
        output = wait_until_ready(s)
        assert "could not push" not in output
        yield s


def test_the_official_client_runs_a_model_over_https(self_signed: MimeoServer) -> None:
    with official_client(self_signed, self_signed.data_dir / "tls" / "ca.pem") as client:
        output: Any = client.run("examples/echo", input={"text": "over tls"})
        prediction = client.predictions.create(model="examples/echo", input={"text": "urls"})
        prediction.wait()

    assert output == "over tls"
    assert prediction.output == "urls"
    assert prediction.urls["get"].startswith(f"{self_signed.url}/v1/predictions/")


def test_a_file_output_is_a_file_output_over_https(self_signed: MimeoServer) -> None:
    trusting = replace(self_signed, env={**self_signed.env, "SSL_CERT_FILE": str(ca(self_signed))})
    version = trusting.push(EXAMPLES / "image-filter", "examples/image-filter")
    with official_client(self_signed, ca(self_signed)) as client:
        output: Any = client.run(
            f"examples/image-filter:{version}",
            input={"image": io.BytesIO(png()), "filter": "invert"},
        )
        whole = output.read()
        chunks = b"".join(output)

    assert isinstance(output, FileOutput)
    assert output.url.startswith(f"{self_signed.url}/v1/blobs/outputs/")
    assert whole == chunks
    with Image.open(io.BytesIO(whole)) as image:
        assert image.getpixel((0, 0)) == (55, 225, 225)


def test_a_list_of_file_outputs_over_https(self_signed: MimeoServer) -> None:
    trusting = replace(self_signed, env={**self_signed.env, "SSL_CERT_FILE": str(ca(self_signed))})
    version = trusting.push(FIXTURES / "outputs-list-path", "fixtures/outputs-list-path")
    with official_client(self_signed, ca(self_signed)) as client:
        outputs: Any = client.run(f"fixtures/outputs-list-path:{version}", input={})

        assert [type(o) for o in outputs] == [FileOutput, FileOutput]
        assert [o.read() for o in outputs] == [b"first\n", b"second\n"]


def test_the_printed_exports_are_all_a_script_needs(self_signed: MimeoServer) -> None:
    output = self_signed.log.read_text()
    ours = ("MIMEO_", "REPLICATE_", "SSL_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    for name in ("REPLICATE_BASE_URL", "REPLICATE_API_TOKEN", "SSL_CERT_FILE"):
        # A token the operator set is printed as $MIMEO_BOOTSTRAP_TOKEN, never in the clear: the
        # operator's shell, which has it, expands it.
        env[name] = printed(output, name).replace("$MIMEO_BOOTSTRAP_TOKEN", self_signed.token)

    script = "import replicate; print(replicate.run('examples/echo', input={'text': 'env'}))"
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )

    assert env["REPLICATE_BASE_URL"] == self_signed.url
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "env"


def test_mimeo_push_trusts_the_ca_through_ssl_cert_file(self_signed: MimeoServer) -> None:
    ca_file = str(self_signed.data_dir / "tls" / "ca.pem")
    trusting = MimeoServer(
        self_signed.url,
        self_signed.token,
        self_signed.data_dir,
        {**self_signed.env, "SSL_CERT_FILE": ca_file},
        self_signed.process,
        self_signed.log,
    )

    assert trusting.push(FIXTURES / "echo", "fixtures/echo")


def test_plain_http_to_the_https_port_fails(self_signed: MimeoServer) -> None:
    with pytest.raises(httpx.TransportError):
        httpx.get(self_signed.url.replace("https:", "http:") + "/health", timeout=5)


def test_a_client_that_does_not_trust_the_ca_is_refused(self_signed: MimeoServer) -> None:
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(f"{self_signed.url}/health", timeout=5, trust_env=False)


def test_the_certificate_is_kept_across_restarts(tmp_path: Path, env_dir: Path) -> None:
    args = ("--tls-self-signed", "--examples", "none")
    with running_server(tmp_path, env_dir, *args, scheme="https") as first:
        served_first = presented_certificate(first)
    ca_first = (tmp_path / "tls" / "ca.pem").read_bytes()

    with running_server(tmp_path, env_dir, *args, scheme="https") as second:
        served_second = presented_certificate(second)

    assert served_second == served_first
    assert (tmp_path / "tls" / "ca.pem").read_bytes() == ca_first
    served_first.verify_directly_issued_by(x509.load_pem_x509_certificate(ca_first))


def test_the_operators_certificate_and_key_are_served(tmp_path: Path, env_dir: Path) -> None:
    now = datetime.datetime.now(datetime.UTC)
    ca_key, ca_cert = new_ca("operator CA", now)
    key, cert = issue_server_certificate(ca_key, ca_cert, now)
    given = tmp_path / "given"
    given.mkdir()
    (given / "ca.pem").write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    (given / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (given / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    tls = ("--tls-cert", str(given / "cert.pem"), "--tls-key", str(given / "key.pem"))
    examples = echo_as_example(tmp_path / "examples")

    with running_server(data_dir, env_dir, *tls, scheme="https", **examples) as server:
        output = wait_until_ready(server)
        with official_client(server, given / "ca.pem") as client:
            assert client.run("examples/echo", input={"text": "yours"}) == "yours"
        assert presented_certificate(server) == cert

    assert "could not push" not in output
    assert "SSL_CERT_FILE" not in output
    assert not (data_dir / "tls").exists()
