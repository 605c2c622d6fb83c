"""JSON request bodies hold text only: a lone surrogate (``"\\ud800"``) is a 422 at the door.

A dependency of the whole app, so every route that takes JSON is covered, including ones added
later. It looks at the raw body first and parses it only when an escape that could be a
surrogate appears, so an ordinary request pays one byte scan.
"""

from __future__ import annotations

import json
import re

from fastapi import Request

from mimeo.core.unicode_text import refuse_lone_surrogates

_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


async def refuse_lone_surrogates_in_json(request: Request) -> None:
    if request.scope["path"].startswith("/internal/"):
        return  # a worker relays what a model said: kept, made text (``worker_protocol``)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not (content_type == "application/json" or content_type.endswith("+json")):
        return
    body = await request.body()
    if not _SURROGATE_ESCAPE.search(body):
        return
    try:
        parsed = json.loads(body)
    except ValueError:
        return  # FastAPI answers malformed JSON itself
    refuse_lone_surrogates(parsed, "")
