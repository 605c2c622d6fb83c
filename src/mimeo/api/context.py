"""What every request handler needs, built once per app and reached through dependencies."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from mimeo.api.http.rate_limit import CreationLimiter
from mimeo.api.http.signing import UrlSigner
from mimeo.api.services.hand_offs import HandOffs
from mimeo.billing import BalanceCache
from mimeo.core.prices import PriceList
from mimeo.core.rate_limits import RateLimit
from mimeo.core.records import Account
from mimeo.core.url_policy import UrlPolicy
from mimeo.events import EventBus
from mimeo.events.cross_node import CrossNodeListener
from mimeo.queue import PredictionQueue
from mimeo.settings import Settings
from mimeo.storage import BlobStore
from mimeo.store.store import Store
from mimeo.webhooks import Dispatcher

TOKEN_CACHE_SECONDS = 10.0


class TokenCache:
    """Recently seen tokens, so the hot path skips a database read.

    Anything that changes what a token opens (a revoked token, a disabled account, a new
    membership) makes every node ``forget_all`` once it has committed: this node at once, the
    others when PostgreSQL's ``NOTIFY`` reaches them. A read that began before a forget is not
    cached (``generation``), so a stale account cannot slip back in; ``TOKEN_CACHE_SECONDS``
    is only a backstop.
    """

    def __init__(self, seconds: float = TOKEN_CACHE_SECONDS) -> None:
        self.seconds = seconds
        self._entries: dict[str, tuple[Account, float]] = {}
        self.generation = 0

    def get(self, token: str) -> Account | None:
        entry = self._entries.get(token)
        if entry is None or entry[1] < time.monotonic():
            self._entries.pop(token, None)
            return None
        return entry[0]

    def put(self, token: str, account: Account, generation: int) -> None:
        """``generation``: the one the caller saw before it read ``account``."""
        if generation != self.generation:
            return
        if len(self._entries) > 10_000:
            self._entries.clear()
        self._entries[token] = (account, time.monotonic() + self.seconds)

    def forget_all(self) -> None:
        self._entries.clear()
        self.generation += 1


@dataclass
class AppContext:
    settings: Settings
    store: Store
    queue: PredictionQueue
    bus: EventBus
    blobs: BlobStore
    worker_token: str
    signer: UrlSigner
    tokens: TokenCache = field(default_factory=TokenCache)
    balances: BalanceCache = field(default_factory=BalanceCache)
    prices: PriceList = field(default_factory=PriceList)
    """What instance time costs; the queue's ``PredictionMeter`` holds the same list."""
    webhooks: Dispatcher | None = None
    """Sends the webhook outbox from this API process; None where nothing should be sent."""
    cross_node: CrossNodeListener | None = None
    """Hears the changes made through other API nodes (PostgreSQL only)."""
    hand_offs: HandOffs = field(default_factory=HandOffs)
    """The embedded worker's claims waiting on this node, for new predictions to go straight to."""
    creation_limits: CreationLimiter = field(init=False)
    """Each token's pace of creating predictions, on this node (``settings.rate_limit_*``)."""

    def __post_init__(self) -> None:
        settings = self.settings
        self.creation_limits = CreationLimiter(
            RateLimit(settings.rate_limit_predictions_per_second, settings.rate_limit_burst)
        )
        self.store.credentials.listen(self.tokens.forget_all)

    @property
    def token_cache(self) -> TokenCache | None:
        """None while another node's revocation could go unheard: the cross-node listener
        (PostgreSQL) is not connected."""
        if self.cross_node is not None and not self.cross_node.listening.is_set():
            return None
        return self.tokens

    @property
    def url_policy(self) -> UrlPolicy:
        """For file input URLs and webhooks alike. Unset counts as not allowed: the safe side."""
        return UrlPolicy(allow_private=bool(self.settings.allow_private_urls))
