"""Opaque keyset cursors (``mimeo.core.pagination``)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mimeo.core.errors import InvalidRequest
from mimeo.core.pagination import Cursor

zones = st.sampled_from(
    [None, UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=8))]
)
cursors = st.builds(
    Cursor,
    created_at=st.datetimes(timezones=zones),
    id=st.text(),
    forward=st.booleans(),
)


def encoded(raw: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(raw).encode()).decode().rstrip("=")


@given(cursors)
def test_a_cursor_survives_encode_and_decode(cursor: Cursor) -> None:
    decoded = Cursor.decode(cursor.encode())

    assert decoded == cursor
    assert decoded.created_at.utcoffset() == cursor.created_at.utcoffset()


@given(cursors)
def test_an_encoded_cursor_is_url_safe_without_padding(cursor: Cursor) -> None:
    assert set(cursor.encode()) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    )


def test_a_cursor_walks_towards_older_rows_unless_told_otherwise() -> None:
    assert Cursor(datetime(2025, 1, 1, tzinfo=UTC), "abc").forward is True


@pytest.mark.parametrize(
    "text",
    [
        "not a cursor",
        "%%%",
        encoded({"created_at": "2025-01-01T00:00:00+00:00", "id": "a"}),
        encoded(["2025-01-01T00:00:00+00:00", "a"]),
        encoded(["yesterday", "a", True]),
        encoded([20250101, "a", True]),
        encoded(7),
        Cursor(datetime(2025, 1, 1, tzinfo=UTC), "abc").encode()[:-3],
        base64.urlsafe_b64encode(b"[" * 100_000).decode(),
    ],
    ids=[
        "text",
        "symbols",
        "object",
        "two-items",
        "bad-date",
        "number-date",
        "number",
        "truncated",
        "deeply-nested",
    ],
)
def test_a_tampered_cursor_is_rejected_as_a_bad_request(text: str) -> None:
    with pytest.raises(InvalidRequest, match="invalid cursor"):
        Cursor.decode(text)


@given(st.text())
def test_any_text_decodes_to_a_cursor_or_is_a_bad_request(text: str) -> None:
    try:
        decoded = Cursor.decode(text)
    except InvalidRequest:
        return
    assert isinstance(decoded, Cursor)
