"""One attempt at one event: check where the URL leads now, sign, POST, classify the answer.

The URL was checked when the prediction was created, but DNS can change in the hour an event is
retried, so it is resolved and checked again on every attempt. When private addresses are
refused, the request goes to the very address that passed the check (the ``Host`` header and TLS
name stay the URL's), so a name that re-resolves between check and connect cannot slip through.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

import httpx

from mimeo.core.url_policy import UnsafeUrl, UrlPolicy
from mimeo.webhooks.signing import signed_headers
from mimeo.webhooks.targets import vet

ATTEMPT_TIMEOUT_SECONDS = 10.0
"""The whole attempt, DNS included; a receiver that takes longer counts as failed."""


@dataclass(frozen=True)
class Delivered:
    status: int


@dataclass(frozen=True)
class Failed:
    error: str
    permanent: bool = False
    """True when retrying cannot help (the URL is not allowed): the event is given up now."""


Outcome = Delivered | Failed


def describe(error: Exception) -> str:
    """httpx's timeouts have empty messages; the type alone still says what happened."""
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class Sender:
    """Holds one HTTP client for every attempt. Redirects are not followed (Replicate does
    not follow them either), and without keep-alive a pinned connection is never reused for
    another host that happens to share its address."""

    def __init__(
        self, policy: UrlPolicy, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self._policy = policy
        self._client = httpx.AsyncClient(
            transport=transport,
            timeout=ATTEMPT_TIMEOUT_SECONDS,
            follow_redirects=False,
            limits=httpx.Limits(max_keepalive_connections=0),
            headers={"User-Agent": "mimeo-webhooks"},
        )

    async def send(
        self, url: str, message_id: str, body: str, secret: str, now: datetime
    ) -> Outcome:
        try:
            async with asyncio.timeout(ATTEMPT_TIMEOUT_SECONDS):
                request = await self._request(url, message_id, body, secret, now)
                response = await self._client.send(request, stream=True)
                await response.aclose()
        except UnsafeUrl as error:
            return Failed(error.detail, permanent=True)
        except (httpx.HTTPError, OSError) as error:  # TimeoutError is an OSError
            return Failed(describe(error))
        if 200 <= response.status_code < 300:
            return Delivered(response.status_code)
        return Failed(f"HTTP {response.status_code}")

    async def _request(
        self, url: str, message_id: str, body: str, secret: str, now: datetime
    ) -> httpx.Request:
        target = await vet(self._policy, url)
        headers = {
            "Content-Type": "application/json",
            **signed_headers(secret, message_id, now, body),
        }
        extensions: dict[str, str] = {}
        destination = target.url
        if target.address is not None:
            headers["Host"] = target.url.netloc.decode("ascii")
            extensions["sni_hostname"] = target.host
            destination = target.url.copy_with(host=target.address)
        return self._client.build_request(
            "POST", destination, content=body.encode(), headers=headers, extensions=extensions
        )

    async def close(self) -> None:
        await self._client.aclose()
