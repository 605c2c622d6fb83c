"""A model's README as HTML: CommonMark with tables, and raw HTML switched off, so a README
cannot put script or markup of its own on the page."""

from __future__ import annotations

from markdown_it import MarkdownIt

_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def readme_html(markdown: str | None) -> str | None:
    """None when the model has no README (or an empty one): the page says so instead."""
    if markdown is None or not markdown.strip():
        return None
    html: str = _MARKDOWN.render(markdown)
    return html
