"""Two real blob stores behind one fixture: a temporary directory, and a bucket on a real
S3-compatible server (moto in server mode, its own process on a loopback port)."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from aiobotocore.session import get_session

from mimeo.storage import BlobStore
from mimeo.storage.factory import open_blob_store
from tests.conftest import free_port

MOTO_START_SECONDS = 60.0


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One server for the session; each test gets a bucket of its own, so none share state."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + MOTO_START_SECONDS
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"moto.server exited early:\n{log.read_text()}")
            try:
                httpx.get(f"{url}/moto-api/", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"moto.server did not answer:\n{log.read_text()}") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Fake keys, and nothing of the developer's own AWS set-up. Instance metadata stays off:
    botocore would otherwise look for credentials at an address off this machine."""
    for name in (
        "AWS_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_S3",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_ROLE_ARN",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))


async def new_bucket(endpoint: str) -> str:
    name = f"mimeo-{uuid.uuid4().hex[:12]}"
    async with get_session().create_client(
        "s3", region_name="us-east-1", endpoint_url=endpoint
    ) as client:
        await client.create_bucket(Bucket=name)
    return name


@pytest.fixture
async def s3_bucket(s3_endpoint: str, aws_env: None) -> str:
    return await new_bucket(s3_endpoint)


@dataclass
class Backend:
    """A way to open stores under a prefix, and to read what one wrote without it."""

    open: Callable[[str], BlobStore]
    read_raw: Callable[[str], Awaitable[bytes]]
    opened: list[BlobStore] = field(default_factory=list)

    def store(self, prefix: str) -> BlobStore:
        self.opened.append(store := self.open(prefix))
        return store


@pytest.fixture(params=["local", "s3"])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    if request.param == "local":
        root = tmp_path / "root"

        async def read_file(name: str) -> bytes:
            return (root / name).read_bytes()

        found = Backend(
            lambda prefix: open_blob_store(f"file://{root}/{prefix}", tmp_path), read_file
        )
    else:
        # Sync fixtures only: an async one cannot be started from inside this running loop.
        endpoint: str = request.getfixturevalue("s3_endpoint")
        request.getfixturevalue("aws_env")
        bucket = await new_bucket(endpoint)

        async def read_object(name: str) -> bytes:
            async with get_session().create_client(
                "s3", region_name="us-east-1", endpoint_url=endpoint
            ) as client:
                response = await client.get_object(Bucket=bucket, Key=name)
                async with response["Body"] as body:
                    return await body.read()

        found = Backend(
            lambda prefix: open_blob_store(
                f"s3://{bucket}/{prefix}", tmp_path, s3_endpoint_url=endpoint
            ),
            read_object,
        )
    yield found
    for store in found.opened:
        await store.close()


@pytest.fixture
def store(backend: Backend) -> BlobStore:
    return backend.store("tenant/a")
