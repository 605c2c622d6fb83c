"""Blobs in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, Cloudflare R2, ...).

The client is aiobotocore: botocore's request signing, retries and full credential chain (env
keys, profiles, instance roles, Kubernetes service-account tokens) on aiohttp, so no call blocks
the event loop and a download is read from the socket chunk by chunk rather than into memory.
boto3 in a thread would work too, but every open stream would then hold a worker thread.

Credentials come from botocore's chain. The endpoint and region are arguments, which the CLI
reads once from its settings (``MIMEO_S3_ENDPOINT_URL`` or ``AWS_ENDPOINT_URL_S3`` /
``AWS_ENDPOINT_URL``; ``AWS_REGION`` / ``AWS_DEFAULT_REGION``), so the arguments alone say where
the store goes: without an endpoint it talks to AWS and ignores any endpoint botocore would pick
up by itself. With one, requests are addressed path-style (``http://host/bucket/key``), which
every S3-compatible service speaks and which needs no wildcard DNS.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

import aiohttp
from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    NoCredentialsError,
    PartialCredentialsError,
)

from mimeo.core.errors import NotFound
from mimeo.storage.blob_store import CHUNK_BYTES, StorageUnavailable, check_key

if TYPE_CHECKING:
    from types_aiobotocore_s3 import S3Client

DEFAULT_REGION = "us-east-1"
"""What S3-compatible services assume when the operator names no region."""
MISSING_KEY_CODES = frozenset({"NoSuchKey", "404", "NotFound"})
REFUSED_CODES = frozenset(
    {
        "403",
        "AccessDenied",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "InvalidToken",
        "InvalidClientTokenId",
    }
)


class S3BlobStore:
    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        connect_timeout_seconds: float = 10.0,
        read_timeout_seconds: float = 60.0,
        max_attempts: int = 3,
    ) -> None:
        """Opens nothing: the client is created on first use, inside the loop that will use it."""
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.endpoint_url = endpoint_url
        self._region = region or (DEFAULT_REGION if endpoint_url else None)
        # AWS works with botocore's defaults; other services often reject virtual-host bucket
        # names and the newer default checksum headers, so a custom endpoint turns both off.
        where: dict[str, Any] = (
            {
                "s3": {"addressing_style": "path"},
                "request_checksum_calculation": "when_required",
                "response_checksum_validation": "when_required",
            }
            if endpoint_url
            else {"ignore_configured_endpoint_urls": True}
        )
        self._config = AioConfig(
            connect_timeout=connect_timeout_seconds,
            read_timeout=read_timeout_seconds,
            retries={"mode": "standard", "max_attempts": max_attempts},
            **where,
        )
        self._client: S3Client | None = None
        self._exit_stack = contextlib.AsyncExitStack()
        self._opening = asyncio.Lock()

    def __repr__(self) -> str:
        where = self.endpoint_url or "AWS"
        return f"S3BlobStore(s3://{self.bucket}/{self.prefix} at {where})"

    def object_key(self, key: str) -> str:
        key = check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    async def put(self, key: str, data: bytes, content_type: str | None = None) -> None:
        name = self.object_key(key)
        client = await self._s3()
        with self._translated(key):
            if content_type:
                await client.put_object(
                    Bucket=self.bucket, Key=name, Body=data, ContentType=content_type
                )
            else:
                await client.put_object(Bucket=self.bucket, Key=name, Body=data)

    async def get(self, key: str) -> bytes:
        name = self.object_key(key)
        client = await self._s3()
        with self._translated(key):
            response = await client.get_object(Bucket=self.bucket, Key=name)
            async with response["Body"] as body:
                return await body.read()

    async def stream(self, key: str) -> AsyncIterator[bytes]:
        """Whole ``CHUNK_BYTES`` pieces, as a file gives them, whatever the network delivers."""
        name = self.object_key(key)
        client = await self._s3()
        with self._translated(key):
            response = await client.get_object(Bucket=self.bucket, Key=name)
            async with response["Body"] as body:
                pending = bytearray()
                async for piece in body.iter_chunks(CHUNK_BYTES):
                    pending += piece
                    while len(pending) >= CHUNK_BYTES:
                        yield bytes(pending[:CHUNK_BYTES])
                        del pending[:CHUNK_BYTES]
                if pending:
                    yield bytes(pending)

    async def exists(self, key: str) -> bool:
        """A HEAD has no body to tell a missing bucket from a missing key: both are ``False``."""
        name = self.object_key(key)
        client = await self._s3()
        try:
            with self._translated(key):
                await client.head_object(Bucket=self.bucket, Key=name)
        except NotFound:
            return False
        return True

    async def delete(self, key: str) -> None:
        name = self.object_key(key)
        client = await self._s3()
        with self._translated(key):
            await client.delete_object(Bucket=self.bucket, Key=name)

    async def close(self) -> None:
        async with self._opening:
            await self._exit_stack.aclose()
            self._client = None

    async def _s3(self) -> S3Client:
        if self._client is None:
            async with self._opening:
                if self._client is None:
                    self._client = await self._exit_stack.enter_async_context(
                        get_session().create_client(
                            "s3",
                            region_name=self._region,
                            endpoint_url=self.endpoint_url,
                            config=self._config,
                        )
                    )
        return self._client

    @contextlib.contextmanager
    def _translated(self, key: str) -> Iterator[None]:
        """botocore's and aiohttp's errors become the two that callers of a blob store handle."""
        try:
            yield
        except ClientError as error:
            raise self._client_error(key, error) from error
        except (NoCredentialsError, PartialCredentialsError) as error:
            raise StorageUnavailable(
                f"No usable S3 credentials for bucket {self.bucket!r} ({error}): set "
                "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or give the "
                "machine a role"
            ) from error
        except (BotoCoreError, aiohttp.ClientError) as error:
            raise StorageUnavailable(
                f"Cannot reach S3 at {self.endpoint_url or 'AWS'} for bucket {self.bucket!r} "
                f"({error}): check MIMEO_S3_ENDPOINT_URL, AWS_REGION and that the service is up"
            ) from error

    def _client_error(self, key: str, error: ClientError) -> Exception:
        code = str(error.response.get("Error", {}).get("Code", "Unknown"))
        if code in MISSING_KEY_CODES:
            return NotFound(f"No blob {key!r}")
        if code == "NoSuchBucket":
            return StorageUnavailable(
                f"S3 bucket {self.bucket!r} does not exist at {self.endpoint_url or 'AWS'}: "
                "create it, or fix the bucket in MIMEO_STORAGE_URL"
            )
        if code in REFUSED_CODES:
            return StorageUnavailable(
                f"S3 refused access to bucket {self.bucket!r} ({code}): check "
                "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and the bucket's policy"
            )
        return StorageUnavailable(
            f"S3 answered {code} for bucket {self.bucket!r}: {error}; check the service's logs"
        )
