"""``mimeo serve`` with its blobs in a bucket: archives, uploaded inputs and file outputs all
live on the S3-compatible server, and clients still get mimeo's own signed URLs."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import replicate
from PIL import Image

from tests.conftest import EXAMPLES, MimeoServer, running_server
from tests.storage.conftest import new_bucket

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def on_s3(
    tmp_path_factory: pytest.TempPathFactory, env_dir: Path, s3_endpoint: str
) -> Iterator[MimeoServer]:
    keys = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in keys.items():
            patch.setenv(name, value)
        bucket = asyncio.run(new_bucket(s3_endpoint))
    data_dir = tmp_path_factory.mktemp("s3-data")
    with running_server(
        data_dir,
        env_dir,
        "--examples",
        "none",
        MIMEO_STORAGE_URL=f"s3://{bucket}/mimeo",
        MIMEO_S3_ENDPOINT_URL=s3_endpoint,
        AWS_EC2_METADATA_DISABLED="true",
        **keys,
    ) as server:
        yield server


@pytest.fixture
def client(on_s3: MimeoServer) -> Iterator[replicate.Client]:
    official = replicate.Client(api_token=on_s3.token, base_url=on_s3.url)
    yield official
    official._client.close()


def test_an_image_round_trips_through_the_bucket(
    on_s3: MimeoServer, client: replicate.Client
) -> None:
    version = on_s3.push(EXAMPLES / "image-filter", "examples/image-filter")
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (10, 20, 30)).save(buffer, format="PNG")
    uploaded = client.files.create(io.BytesIO(buffer.getvalue()), filename="in.png")

    output = client.run(
        f"examples/image-filter:{version}",
        input={"image": uploaded.urls["get"], "filter": "invert"},
    )

    assert "/v1/blobs/outputs/" in str(output)
    assert not (on_s3.data_dir / "blobs").exists()
    with Image.open(io.BytesIO(httpx.get(str(output)).content)) as image:
        assert image.getpixel((0, 0)) == (245, 235, 225)
