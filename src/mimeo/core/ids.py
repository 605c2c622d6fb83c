"""Identifiers in the shapes Replicate uses.

Prediction ids are 26 lowercase base32 characters (like Replicate's ``gm3qorzdhgbfurvjtvhg7dkvm4``)
made from 16 random bytes, so they are unguessable and can double as capability URLs.
"""

from __future__ import annotations

import base64
import hashlib
import secrets


def _random_base32(nbytes: int) -> str:
    return base64.b32encode(secrets.token_bytes(nbytes)).decode().rstrip("=").lower()


def new_prediction_id() -> str:
    return _random_base32(16)


def new_api_token() -> str:
    return "r8_" + secrets.token_urlsafe(30)


def new_worker_id() -> str:
    return "wkr_" + _random_base32(10)


def new_webhook_message_id() -> str:
    """Standard Webhooks' ``webhook-id``: one per event, the same on every retry of it."""
    return "msg_" + _random_base32(16)


def token_digest(token: str) -> str:
    """Tokens are stored as digests: a leaked database does not leak credentials."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_file_id() -> str:
    return _random_base32(16)


def new_token_id() -> str:
    """How a token is named when listed and revoked: never the token itself."""
    return "tok_" + _random_base32(15)
