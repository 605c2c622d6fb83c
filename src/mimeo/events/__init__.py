"""Publish/subscribe of prediction events.

May import: ``mimeo.core``. The bus is in-process: it hears the changes its own node's queue
commits (it is the queue's listener). On PostgreSQL each change is also sent with ``NOTIFY`` in
its transaction, and ``CrossNodeListener`` tells this node's bus of the changes made through the
other API nodes: streams, ``Prefer: wait`` and waiting claims work whichever node the client and
the worker talk to.
"""

from mimeo.events.bus import EventBus, PredictionEvent

__all__ = ["EventBus", "PredictionEvent"]
