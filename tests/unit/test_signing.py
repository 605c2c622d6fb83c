"""Capability URLs: signatures bind purpose and value, and expiring ones expire."""

from __future__ import annotations

import time

from mimeo.api.http.signing import UrlSigner

SIGNER = UrlSigner("secret")


def test_a_signature_verifies_for_its_purpose_and_value_only() -> None:
    signature = SIGNER.sign("stream", "abc")

    assert SIGNER.verify("stream", "abc", signature)
    assert not SIGNER.verify("blob", "abc", signature)
    assert not SIGNER.verify("stream", "abd", signature)
    assert not UrlSigner("other").verify("stream", "abc", signature)


def test_an_expiring_signature_lasts_at_least_an_hour_and_is_stable_within_it() -> None:
    expires, signature = SIGNER.expiring("blob", "k")

    assert expires >= time.time() + 3600
    assert SIGNER.expiring("blob", "k") == (expires, signature)
    assert SIGNER.verify_expiring("blob", "k", expires, signature)


def test_an_expired_or_altered_expiry_is_refused() -> None:
    expires, signature = SIGNER.expiring("blob", "k")

    assert not SIGNER.verify_expiring("blob", "k", expires + 3600, signature)
    past = int(time.time()) - 10
    assert not SIGNER.verify_expiring("blob", "k", past, SIGNER.sign("blob", f"k\n{past}"))
