"""What a search text asks for, and how well a model answers it.

A search is a few words: each must appear somewhere in the model (its owner, name, description
or README), case aside, as SQL ``LIKE`` finds it on SQLite and PostgreSQL alike. Words are runs
of letters and digits, so ``nano-banana`` and ``nano banana`` ask the same thing and nothing a
caller types reaches ``LIKE`` as a wildcard.
"""

from __future__ import annotations

import json
import re
from enum import IntEnum

MAX_TERMS = 8
"""Words past this many are ignored: each costs a condition over every public model."""
_WORD = re.compile(r"[^\W_]+")


class Weight(IntEnum):
    """How much a word found in each place counts towards a model's score."""

    NAME = 8
    OWNER = 4
    DESCRIPTION = 2
    README = 1


def search_terms(text: str) -> list[str]:
    """The distinct lower-case words of ``text``, in order, at most ``MAX_TERMS``."""
    terms: list[str] = []
    for word in _WORD.findall(text.lower()):
        if word not in terms:
            terms.append(word)
    return terms[:MAX_TERMS]


def like_pattern(term: str) -> str:
    """``term`` anywhere: terms hold letters and digits only, so no escaping is needed."""
    return f"%{term}%"


def relevance(points: int, terms: list[str]) -> float:
    """A model's score: its points per word, so scores compare across queries' lengths."""
    return round(points / max(len(terms), 1), 3)


def query_text(body: bytes) -> str:
    """The search text of a ``QUERY``: Python sends it as it is, the JavaScript client as a
    JSON string (it ``JSON.stringify``s every body), so a body that is one is unwrapped."""
    text = body.decode("utf-8", errors="replace")
    if not text.startswith('"'):
        return text
    try:
        decoded = json.loads(text)
    except ValueError:
        return text
    return decoded if isinstance(decoded, str) else text
