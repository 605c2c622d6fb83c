"""``Cancel-After`` durations as Replicate writes them."""

from __future__ import annotations

import pytest

from mimeo.core.durations import parse_cancel_after
from mimeo.core.errors import InvalidInput


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30", 30.0), ("90s", 90.0), ("5m", 300.0), ("1h", 3600.0), ("1h30m45s", 5445.0)],
)
def test_a_duration_is_read_in_seconds(text: str, seconds: float) -> None:
    assert parse_cancel_after(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "5x", "m5", "-10s"])
def test_a_malformed_duration_names_the_header(text: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_cancel_after(text)

    assert raised.value.errors[0].field == "Cancel-After"


def test_a_duration_under_five_seconds_is_refused() -> None:
    with pytest.raises(InvalidInput, match="minimum is 5s"):
        parse_cancel_after("4s")
