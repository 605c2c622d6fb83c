"""The headers under which user files and model outputs leave the API.

They come from the API's own origin, so a file that a browser would run (HTML, SVG, XML, a
script) must never be rendered there: it would act with that origin's cookies and reach its
routes. Every download says ``X-Content-Type-Options: nosniff`` (the browser keeps to the
declared type) and ``Content-Security-Policy: default-src 'none'; sandbox`` (even if rendered,
nothing runs or loads), and only passive types (images other than SVG, audio, video, plain
text) are served inline: everything else is an attachment.
"""

from __future__ import annotations

from mimeo.core.media_types import servable_media_type

SANDBOX_CSP = "default-src 'none'; sandbox"
_PASSIVE_PREFIXES = ("image/", "audio/", "video/")
_ACTIVE = frozenset({"image/svg+xml"})
_PASSIVE = frozenset({"text/plain", "application/json", "application/octet-stream"})


def is_passive(media_type: str) -> bool:
    """Whether a browser shows this type without running anything in it."""
    essence = media_type.split(";")[0].strip().lower()
    if essence in _ACTIVE:
        return False
    return essence in _PASSIVE or essence.startswith(_PASSIVE_PREFIXES)


def download_headers(filename: str, media_type: str) -> dict[str, str]:
    """``filename`` must already be header-safe (``files.blob_name`` makes it so)."""
    disposition = "inline" if is_passive(servable_media_type(media_type)) else "attachment"
    return {
        "Content-Disposition": f'{disposition}; filename="{filename}"',
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": SANDBOX_CSP,
    }
