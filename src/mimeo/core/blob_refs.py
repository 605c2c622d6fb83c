"""References to stored blobs inside prediction inputs and outputs.

A stored output is kept as ``mimeo-blob:<key>``, not as a URL: the URL a client sees depends on
the host it called and carries an expiring signature, so it is made when the prediction is
read. Workers use the same references for files the API holds for them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mimeo.core.errors import FieldError, InvalidInput

BLOB_REF_PREFIX = "mimeo-blob:"


def blob_ref(key: str) -> str:
    return BLOB_REF_PREFIX + key


def blob_key(value: Any) -> str | None:
    if isinstance(value, str) and value.startswith(BLOB_REF_PREFIX):
        return value[len(BLOB_REF_PREFIX) :]
    return None


def map_strings(value: Any, change: Callable[[str], Any]) -> Any:
    """``value`` with every string inside lists and dicts passed through ``change``."""
    if isinstance(value, str):
        return change(value)
    if isinstance(value, list):
        return [map_strings(item, change) for item in value]
    if isinstance(value, dict):
        return {key: map_strings(item, change) for key, item in value.items()}
    return value


def strings_in(value: Any) -> list[str]:
    found: list[str] = []
    map_strings(value, lambda s: found.append(s))
    return found


def refuse_blob_refs(value: Any, field: str) -> None:
    """References are mimeo's own notes, never a client's: one in a request would reach any
    blob (another account's file, a model archive) past every access check. A client names
    files by URLs it may read, which the API turns into references itself."""
    for text in strings_in(value):
        if text.startswith(BLOB_REF_PREFIX):
            message = f"'{BLOB_REF_PREFIX}' references are internal: pass a file URL instead"
            raise InvalidInput([FieldError(field, message)])
