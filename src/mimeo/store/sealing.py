"""The values of ``cog.Secret`` inputs, sealed while their prediction waits or runs.

The key is derived from a server-wide secret kept in the database (``SecretRepository``), so
every API node of a cluster seals and opens alike, and a prediction created through one node
can be claimed through another. Sealing keeps the clear value out of the database's bytes (and
its write-ahead log and backups' plain text); it is dropped with the prediction's end.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from mimeo.store.secrets import SecretRepository

SECRET_NAME = "secret-inputs"
KEY_CONTEXT = b"mimeo: cog.Secret input values"


class Unsealable(Exception):
    """Sealed values this server cannot open: its key is not the one they were sealed with
    (a database restored without its ``server_secrets``), or the text was altered."""


def fernet_for(secret: str, purpose: bytes = KEY_CONTEXT) -> Fernet:
    """A key of its own for each ``purpose`` from one server secret (a URL-safe random string;
    Fernet wants 32 bytes, base64-encoded): the secret inputs, the web UI's sessions."""
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
        secret.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


class InputSealer:
    """Seals at creation and opens at claim; the key is read from the database once."""

    def __init__(self, secrets: SecretRepository) -> None:
        self._secrets = secrets
        self._fernet: Fernet | None = None

    async def _key(self) -> Fernet:
        if self._fernet is None:
            self._fernet = fernet_for(await self._secrets.get_or_create(SECRET_NAME))
        return self._fernet

    async def seal(self, values: dict[str, Any]) -> str | None:
        """None when there is nothing to seal: the column stays NULL."""
        if not values:
            return None
        return (await self._key()).encrypt(json.dumps(values).encode()).decode()

    async def open(self, sealed: str | None) -> dict[str, Any]:
        if sealed is None:
            return {}
        try:
            opened = (await self._key()).decrypt(sealed.encode())
        except InvalidToken as error:
            raise Unsealable("the prediction's secret inputs cannot be decrypted") from error
        values: dict[str, Any] = json.loads(opened)
        return values
