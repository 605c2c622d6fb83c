"""Text that can be stored and sent back: no lone UTF-16 surrogates.

JSON may spell ``"\\ud800"``, and Python decodes it into a string no UTF-8 encoder accepts. Kept,
such a string breaks every later answer that includes it (a prediction list, a file list) for
good. A client's is refused where it enters, naming where it was found; a model's (its output,
its logs) is what the model said, so it is kept with each lone surrogate replaced by U+FFFD.
"""

from __future__ import annotations

import re
from typing import Any

from mimeo.core.errors import FieldError, InvalidInput


def _is_encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def lone_surrogate_at(value: Any, where: str) -> str | None:
    """The path (``where.key.0``) of the first string or key in ``value`` holding a lone
    surrogate, or None when all of it encodes."""
    if isinstance(value, str):
        return None if _is_encodable(value) else where
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = lone_surrogate_at(item, f"{where}.{index}")
            if found is not None:
                return found
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and not _is_encodable(key):
                return where
            found = lone_surrogate_at(item, f"{where}.{key}" if where else str(key))
            if found is not None:
                return found
    return None


def refuse_lone_surrogates(value: Any, where: str) -> None:
    """Raises ``InvalidInput`` (422) naming the field whose text is not valid Unicode."""
    found = lone_surrogate_at(value, where)
    if found is not None:
        message = "holds a lone UTF-16 surrogate (such as \\ud800), which is not text"
        raise InvalidInput([FieldError(found or "body", message)])


_SURROGATE = re.compile("[\ud800-\udfff]")


def _replaced(text: str) -> str:
    """Every surrogate left in a Python string is a lone one (decoding joins pairs)."""
    return _SURROGATE.sub("\ufffd", text)


def replace_lone_surrogates(value: Any) -> Any:
    """``value`` with every lone surrogate in its strings and keys turned into U+FFFD; the same
    object when there is none (the common case costs one walk, no copy)."""
    if lone_surrogate_at(value, "") is None:
        return value
    if isinstance(value, str):
        return _replaced(value)
    if isinstance(value, list):
        return [replace_lone_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {
            _replaced(k) if isinstance(k, str) else k: replace_lone_surrogates(item)
            for k, item in value.items()
        }
    return value
