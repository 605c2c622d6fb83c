"""Standard Webhooks signatures: the published test vector, and what both official clients
need of the secret's shape."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import replicate
from replicate.webhook import WebhookSigningSecret

from mimeo.webhooks.signing import new_secret, signed_headers

# From COMPAT-NOTES (the Standard Webhooks reference test vector).
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TIMESTAMP = 1614265330
VECTOR_BODY = '{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_the_standard_webhooks_test_vector() -> None:
    sent_at = datetime.fromtimestamp(VECTOR_TIMESTAMP, UTC)

    headers = signed_headers(VECTOR_SECRET, VECTOR_ID, sent_at, VECTOR_BODY)

    assert headers == {
        "webhook-id": VECTOR_ID,
        "webhook-timestamp": str(VECTOR_TIMESTAMP),
        "webhook-signature": VECTOR_SIGNATURE,
    }


def test_the_python_client_accepts_a_signature() -> None:
    secret = new_secret()
    body = '{"id": "abc", "status": "succeeded"}'
    headers = signed_headers(secret, "msg_x", datetime.now(UTC), body)

    replicate.webhooks.validate(
        headers=headers, body=body, secret=WebhookSigningSecret(key=secret), tolerance=300
    )


def test_a_secret_is_whsec_and_standard_base64_of_24_random_bytes() -> None:
    secret = new_secret()

    prefix, _, encoded = secret.partition("_")
    assert prefix == "whsec"
    assert not {"_", "-", "="} & set(encoded)
    assert len(base64.b64decode(encoded, validate=True)) == 24
    assert new_secret() != secret
