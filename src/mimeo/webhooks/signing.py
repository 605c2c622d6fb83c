"""Standard Webhooks signatures, the scheme Replicate's clients verify.

The secret is ``whsec_`` and standard base64 (the JavaScript client decodes it that way, so the
URL-safe alphabet would break it) of random bytes; the signature is HMAC-SHA256 over
``{id}.{timestamp}.{body}``, sent as ``v1,<base64>`` in ``webhook-signature``.
"""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, datetime

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 24
"""192 bits, and a multiple of 3 so the base64 text has no ``=`` padding to trip a parser."""


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def signed_headers(secret: str, message_id: str, sent_at: datetime, body: str) -> dict[str, str]:
    """The headers of one attempt. The timestamp is the attempt's own: receivers refuse
    messages more than a few minutes old, so a retry an hour later must not carry the first
    attempt's time; the id stays the event's, so receivers can drop duplicates."""
    moment = sent_at.astimezone(UTC)
    signature = Webhook(secret).sign(message_id, moment, body)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": signature,
    }
