"""A model's README: the Markdown pushed beside ``cog.yaml``, kept as text with the model.

A README is documentation, not data: one pushed over the cap is kept cut at the cap (a push
never fails for its README), while one sent on its own (``PATCH``) over the cap is refused so
that its author knows. NUL characters are dropped: PostgreSQL's text cannot hold them.
"""

from __future__ import annotations

from mimeo.core.errors import FieldError, InvalidInput

MAX_README_BYTES = 256 * 1024
README_FILES = ("README.md", "readme.md", "README")
"""What a push may name its README, in order of preference."""


def pushed_readme(raw: bytes) -> str:
    """The text of a pushed README file: UTF-8 (bad bytes, and a character the cut splits,
    replaced by U+FFFD), cut at the cap."""
    return raw[:MAX_README_BYTES].decode("utf-8", errors="replace").replace("\x00", "")


def checked_readme(text: str) -> str:
    """A README sent as text: refused with a 422 on ``readme`` when over the cap."""
    size = len(text.encode("utf-8", errors="surrogatepass"))
    if size > MAX_README_BYTES:
        message = f"a README is at most {MAX_README_BYTES} bytes of UTF-8 (this one is {size})"
        raise InvalidInput([FieldError("readme", message)])
    return text.replace("\x00", "")
