"""Replicate-style webhooks: Standard Webhooks signing, a durable outbox, delivery with retries.

May import: ``mimeo.core``, ``mimeo.store``.
"""

from mimeo.webhooks.secrets import AccountSecrets

__all__ = ["AccountSecrets"]
