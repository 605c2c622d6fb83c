"""Replicate-style webhooks: Standard Webhooks signing, a durable outbox, delivery with retries.

May import: ``mimeo.core``, ``mimeo.store``. The queue's change hook (``Outbox.record``) writes
each event in the same transaction as the prediction change that caused it; the ``Dispatcher``
sends them, in order per prediction, until delivered or the retry window has passed.
"""

from mimeo.webhooks.dispatcher import Dispatcher
from mimeo.webhooks.outbox import Outbox, Render
from mimeo.webhooks.secrets import AccountSecrets
from mimeo.webhooks.sender import Sender
from mimeo.webhooks.targets import check_webhook_url

__all__ = ["AccountSecrets", "Dispatcher", "Outbox", "Render", "Sender", "check_webhook_url"]
