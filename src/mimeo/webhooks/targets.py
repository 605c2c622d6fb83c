"""Where a webhook URL leads, checked against the URL policy at create and before every attempt.

Both use the same check, so an event is never queued for a URL that delivery would refuse.
At create the problem names the ``webhook`` field (a 422, like any bad input).
"""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass

import httpx

from mimeo.core.errors import FieldError
from mimeo.core.url_policy import UnsafeUrl, UrlPolicy

FIELD = "webhook"
RESOLVE_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class Target:
    url: httpx.URL
    host: str
    """ASCII (IDNA) host name, as DNS and TLS know it."""
    address: str | None
    """The vetted address to connect to; None when private addresses are allowed anyway, and
    the ordinary connection logic (every address, in order) is better."""


async def resolve(host: str, port: int) -> list[str]:
    """The system resolver can stall for many seconds; an attempt gives it a bounded time."""
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(RESOLVE_TIMEOUT_SECONDS):
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


async def vet(policy: UrlPolicy, url: str) -> Target:
    """Raises ``UnsafeUrl`` for a URL the policy refuses, ``OSError`` when DNS fails."""
    policy.host_of(url, FIELD)
    try:
        target = httpx.URL(url)
    except httpx.InvalidURL as error:
        raise UnsafeUrl([FieldError(FIELD, str(error))]) from error
    host = target.raw_host.decode("ascii")
    if policy.allow_private:
        return Target(target, host, None)
    addresses = await resolve(host, target.port or (443 if target.scheme == "https" else 80))
    policy.check_addresses(FIELD, host, addresses)
    return Target(target, host, addresses[0])


async def check_webhook_url(policy: UrlPolicy, url: str) -> None:
    """For prediction create: a host that does not resolve now is refused too."""
    try:
        await vet(policy, url)
    except OSError as error:
        raise UnsafeUrl(
            [FieldError(FIELD, f"the host of {url!r} does not resolve ({error})")]
        ) from error
