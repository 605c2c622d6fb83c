"""Opaque keyset cursors for Replicate's ``{next, previous, results}`` pages.

A cursor names the last row seen by ``(created_at, id)`` and the direction of travel, so pages
stay stable while new rows arrive at the front.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from mimeo.core.errors import InvalidRequest

PAGE_SIZE = 100
T = TypeVar("T")


@dataclass(frozen=True)
class Cursor:
    created_at: datetime
    id: str
    forward: bool = True
    """``forward`` walks towards older rows (``next``); otherwise towards newer (``previous``)."""

    def encode(self) -> str:
        raw = json.dumps([self.created_at.isoformat(), self.id, self.forward])
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        try:
            padded = text + "=" * (-len(text) % 4)
            created_at, id_, forward = json.loads(base64.urlsafe_b64decode(padded))
            return cls(datetime.fromisoformat(created_at), str(id_), bool(forward))
        except (ValueError, TypeError, RecursionError) as error:
            raise InvalidRequest(f"invalid cursor {text!r}") from error


@dataclass(frozen=True)
class Page(Generic[T]):
    results: list[T]
    next: Cursor | None
    previous: Cursor | None
