"""Media types that are safe to put back in a header.

A client names a file's type when it uploads it, and that text later becomes the
``Content-Type`` of every download. A type with a CR/LF in it would split the header (uvicorn
then drops the connection), so a type must look like ``type/subtype`` with optional
parameters, in visible ASCII.
"""

from __future__ import annotations

import re

from mimeo.core.errors import FieldError, InvalidInput

DEFAULT_MEDIA_TYPE = "application/octet-stream"
_TOKEN = r"[A-Za-z0-9!#$&^_.+-]+"
_MEDIA_TYPE = re.compile(rf"{_TOKEN}/{_TOKEN}(?:[ \t]*;[ \t]*[\x21-\x7e][\x20-\x7e]*)?")


def is_media_type(text: str) -> bool:
    return len(text) <= 255 and _MEDIA_TYPE.fullmatch(text) is not None


def check_media_type(text: str, field: str) -> str:
    """``text`` when it is a media type, else ``InvalidInput`` (422) naming ``field``."""
    if not is_media_type(text):
        message = "must be a media type such as text/plain or image/png (visible ASCII only)"
        raise InvalidInput([FieldError(field, message)])
    return text


def servable_media_type(text: str) -> str:
    """What to send as ``Content-Type`` for a stored type: itself, or the neutral default for
    a type stored before uploads were checked."""
    return text if is_media_type(text) else DEFAULT_MEDIA_TYPE
