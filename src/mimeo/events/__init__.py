"""Publish/subscribe of prediction events.

May import: ``mimeo.core``. The bus is in-process: it hears the changes its own node's queue
commits (it is the queue's listener), which is everything in embedded mode. With several API
nodes, a node does not hear what a worker reported to another: its streams still see the change
by re-reading the row every second, but ``Prefer: wait`` holds until its own timeout. A bus that
carries the same events across nodes (PostgreSQL ``LISTEN/NOTIFY``) is not built yet.
"""

from mimeo.events.bus import EventBus, PredictionEvent

__all__ = ["EventBus", "PredictionEvent"]
