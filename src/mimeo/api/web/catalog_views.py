"""What the explore and model pages read from the catalogue: one function each, so the
catalogue's search and visibility rules replace these in one place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mimeo.api.context import AppContext
from mimeo.api.http.links import Links
from mimeo.api.http.serializers import model_json
from mimeo.core.pagination import Page
from mimeo.core.records import Account, Model, Version
from mimeo.web.readme import readme_html

EXPLORE_LIMIT = 1000
"""Models scanned by a search; the catalogue's own search will page through the database."""


@dataclass(frozen=True)
class ModelCard:
    model: Model
    cover_url: str | None


def card(model: Model, links: Links) -> ModelCard:
    cover: Any = model_json(model, links)["cover_image_url"]
    return ModelCard(model, cover if isinstance(cover, str) else None)


def matches(model: Model, query: str) -> bool:
    words = query.lower().split()
    text = f"{model.full_name} {model.description or ''}".lower()
    return all(word in text for word in words)


async def visible_models(context: AppContext, _account: Account, query: str) -> list[Model]:
    """The models the account may see (today: all, as ``GET /v1/models`` lists them), newest
    first, narrowed to those whose name or description holds every word of ``query``."""
    found: list[Model] = []
    cursor = None
    while len(found) < EXPLORE_LIMIT:
        page: Page[Model] = await context.store.catalog.list_models(cursor)
        found += [model for model in page.results if matches(model, query)]
        if page.next is None:
            break
        cursor = page.next
    return found


async def model_versions(context: AppContext, model: Model) -> list[Version]:
    """The newest page of versions (a hundred): a page shows no more than that."""
    return (await context.store.catalog.list_versions(model, None)).results


def model_readme(model: Model) -> str | None:
    """The README as safe HTML, or None. ``Model.readme`` arrives with the catalogue."""
    return readme_html(getattr(model, "readme", None))
