"""Which URLs mimeo may fetch or call on a user's behalf (file inputs, webhooks).

A URL a user hands over must not turn the server into a proxy into its own network (SSRF):
loopback, private, link-local and other non-public addresses are refused unless the operator
allows them. The caller resolves the host (that is I/O) and passes the addresses in, so the
check applies to where the connection would really go.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from mimeo.core.errors import FieldError, InvalidInput

FETCH_SCHEMES = frozenset({"http", "https"})


class UnsafeUrl(InvalidInput):
    title = "URL not allowed"


def _refuse(field: str, message: str) -> UnsafeUrl:
    return UnsafeUrl([FieldError(field, message)])


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


@dataclass(frozen=True)
class UrlPolicy:
    allow_private: bool

    def host_of(self, url: str, field: str) -> str:
        """The host to resolve; raises for a scheme other than http(s) or a missing host."""
        parts = urlsplit(url)
        if parts.scheme.lower() not in FETCH_SCHEMES:
            raise _refuse(field, f"only http and https URLs are allowed, not {parts.scheme!r}")
        if not parts.hostname:
            raise _refuse(field, "the URL has no host")
        return parts.hostname

    def check_addresses(self, field: str, host: str, addresses: list[str]) -> None:
        if not addresses:
            raise _refuse(field, f"the host {host!r} does not resolve")
        if self.allow_private:
            return
        for address in addresses:
            if not is_public_address(address):
                raise _refuse(
                    field,
                    f"the host {host!r} is a private or loopback address ({address}); "
                    "the operator has not allowed those (MIMEO_ALLOW_PRIVATE_URLS)",
                )
