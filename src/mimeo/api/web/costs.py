"""What a prediction cost, for its page: the seam where billing's price arrives.

Nothing is priced yet, so there is no cost to show; the page's ``_cost.html`` partial shows
whatever this returns and nothing when it is None.
"""

from __future__ import annotations

from mimeo.core.records import Prediction


def prediction_cost(prediction: Prediction) -> str | None:
    """The cost as the page shows it (e.g. "$0.0021"), or None where billing has no price."""
    del prediction
    return None
