"""Publish/subscribe of prediction events.

May import: ``mimeo.core``. The in-process bus serves one node (embedded mode) and is the test
double; a PostgreSQL LISTEN/NOTIFY bus carries the same events across nodes.
"""

from mimeo.events.bus import EventBus, PredictionEvent

__all__ = ["EventBus", "PredictionEvent"]
