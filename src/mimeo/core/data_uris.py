"""``data:`` URIs (RFC 2397), the form Cog uses for files inline in JSON."""

from __future__ import annotations

import base64
import binascii
import mimetypes
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

DEFAULT_MEDIA_TYPE = "application/octet-stream"
EXTENSIONS = {"audio/wav": ".wav", "audio/wave": ".wav", "audio/vnd.wave": ".wav"}
"""Types Cog sends that Python's ``mimetypes`` has no extension for before 3.13 (``audio/wav``:
a WAV output would otherwise be stored without one)."""


@dataclass(frozen=True)
class DataUri:
    media_type: str
    data: bytes


def parse_data_uri(uri: str) -> DataUri | None:
    """None when ``uri`` is not a well-formed data URI (it is then ordinary text)."""
    if not uri.startswith("data:") or "," not in uri:
        return None
    header, _, payload = uri[5:].partition(",")
    params = header.split(";")
    media_type = params[0] or DEFAULT_MEDIA_TYPE
    if "base64" in params[1:]:
        try:
            return DataUri(media_type, base64.b64decode(payload, validate=True))
        except (binascii.Error, ValueError):
            return None
    return DataUri(media_type, unquote_to_bytes(payload))


def to_data_uri(media_type: str, data: bytes) -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode()}"


def file_extension(media_type: str) -> str:
    """``.png`` for ``image/png``; empty when the type has no known extension."""
    media_type = media_type.split(";")[0].strip().lower()
    return EXTENSIONS.get(media_type) or mimetypes.guess_extension(media_type) or ""
