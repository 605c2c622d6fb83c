"""Capability URLs: an HMAC over what the URL grants, with the server's secret.

Replicate's JavaScript and Go clients open ``urls.stream`` and fetch output files without the
Authorization header, so those URLs must carry their own proof. The key lives in the database,
so every API node of a cluster accepts every other node's URLs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

SIGNED_URL_SECONDS = 3600


class UrlSigner:
    def __init__(self, key: str) -> None:
        self._key = key.encode()

    def sign(self, purpose: str, value: str) -> str:
        digest = hmac.new(self._key, f"{purpose}\n{value}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:18]).decode()

    def verify(self, purpose: str, value: str, signature: str) -> bool:
        """False for any signature that is not ours, including non-ASCII text (which
        ``compare_digest`` would refuse with a TypeError)."""
        return signature.isascii() and hmac.compare_digest(self.sign(purpose, value), signature)

    def expiring(self, purpose: str, value: str) -> tuple[int, str]:
        """An expiry and its signature. The expiry is rounded to the hour, so a URL stays the
        same for an hour of reads (caches work) and is valid for at least ``SIGNED_URL_SECONDS``."""
        now = int(time.time())
        expires = (now // SIGNED_URL_SECONDS + 2) * SIGNED_URL_SECONDS
        return expires, self.sign(purpose, f"{value}\n{expires}")

    def verify_expiring(self, purpose: str, value: str, expires: int, signature: str) -> bool:
        return expires >= time.time() and self.verify(purpose, f"{value}\n{expires}", signature)
