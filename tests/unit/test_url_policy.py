"""Which URLs mimeo fetches or calls for a user: http(s) only, public addresses unless allowed."""

from __future__ import annotations

import pytest

from mimeo.core.url_policy import UnsafeUrl, UrlPolicy, is_public_address

STRICT = UrlPolicy(allow_private=False)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "192.168.0.1",
        "172.16.0.1",
        "169.254.169.254",
        "::1",
        "fd00::1",
        "::ffff:127.0.0.1",
        "0.0.0.0",
        "100.64.0.1",
    ],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert not is_public_address(address)
    with pytest.raises(UnsafeUrl):
        STRICT.check_addresses("image", "host", [address])


def test_a_public_address_is_allowed() -> None:
    STRICT.check_addresses("image", "example.com", ["93.184.215.14", "2606:2800:21f:cb07::1"])


def test_one_private_address_among_public_ones_is_enough_to_refuse() -> None:
    with pytest.raises(UnsafeUrl):
        STRICT.check_addresses("image", "mixed", ["93.184.215.14", "127.0.0.1"])


def test_the_operator_may_allow_private_addresses() -> None:
    UrlPolicy(allow_private=True).check_addresses("image", "localhost", ["127.0.0.1"])


def test_an_unresolvable_host_is_refused_even_when_private_is_allowed() -> None:
    with pytest.raises(UnsafeUrl, match="does not resolve"):
        UrlPolicy(allow_private=True).check_addresses("image", "nowhere.invalid", [])


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://host/x", "gopher://h/", "http:///x"])
def test_only_http_urls_with_a_host_are_fetched(url: str) -> None:
    with pytest.raises(UnsafeUrl) as raised:
        STRICT.host_of(url, "image")
    assert raised.value.errors[0].field == "image"
