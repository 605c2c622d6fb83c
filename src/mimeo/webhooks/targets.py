"""Where a URL a user hands over leads, checked against the URL policy: a webhook at create and
before every attempt, a file input at create.

Create and delivery use the same check, so an event is never queued for a URL that delivery
would refuse. At create the problem names the field (a 422, like any bad input).
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


async def check_url(policy: UrlPolicy, url: str, field: str) -> None:
    """For a URL taken at create: refused now, naming ``field``, where the policy refuses its
    scheme or destination; a host that does not resolve now is refused too."""
    host = policy.host_of(url, field)
    try:
        addresses = await resolve(host, 443)
    except OSError:
        addresses = []
    policy.check_addresses(field, host, addresses)


async def check_webhook_url(policy: UrlPolicy, url: str) -> None:
    await check_url(policy, url, FIELD)
