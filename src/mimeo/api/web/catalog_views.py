"""What the explore and model pages read from the catalogue: one function each, so its
search, visibility rules and READMEs are reached from one place."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends
from starlette.convertors import Convertor, register_url_convertor

from mimeo.api.context import AppContext
from mimeo.api.http.deps import ContextDep
from mimeo.api.http.links import Links
from mimeo.api.http.serializers import model_json
from mimeo.api.web.sessions import VisitorDep
from mimeo.core.accounts import may_see
from mimeo.core.errors import NotFound
from mimeo.core.pagination import Page
from mimeo.core.records import Account, Model, Version
from mimeo.core.search_terms import search_terms
from mimeo.web.forms import Form, UnsupportedInput, input_form
from mimeo.web.readme import readme_html

EXPLORE_LIMIT = 1000
"""Models the plain listing shows, newest first: beyond that, explore is for searching."""
SEARCH_LIMIT = 100
"""Matches a search shows, best first (as ``GET /v1/search`` ranks them)."""


@dataclass(frozen=True)
class ModelCard:
    model: Model
    cover_url: str | None


def card(model: Model, links: Links) -> ModelCard:
    cover: Any = model_json(model, links)["cover_image_url"]
    return ModelCard(model, cover if isinstance(cover, str) else None)


async def listed_models(context: AppContext, account: Account) -> list[Model]:
    """The plain listing, as ``GET /v1/models`` pages through it for ``account``."""
    found: list[Model] = []
    cursor = None
    while len(found) < EXPLORE_LIMIT:
        page: Page[Model] = await context.store.catalog.list_models(cursor, account)
        found += page.results
        if page.next is None:
            break
        cursor = page.next
    return found[:EXPLORE_LIMIT]


async def visible_models(context: AppContext, account: Account, query: str) -> list[Model]:
    """The plain listing without a query; with one, the catalogue's search over the public
    models and the account's own (owner, name, description and README), best match first."""
    if not query.strip():
        return await listed_models(context, account)
    found = await context.store.search.ranked_models(search_terms(query), account, SEARCH_LIMIT)
    return [scored.model for scored in found]


async def model_versions(context: AppContext, model: Model) -> list[Version]:
    """The newest page of versions (a hundred): a page shows no more than that."""
    return (await context.store.catalog.list_versions(model, None)).results


async def model_readme(context: AppContext, model: Model) -> str | None:
    """The README as safe HTML, or None: the catalogue keeps it out of ``Model`` (one column
    read only by the page that shows it)."""
    return readme_html(await context.store.catalog.readme(model))


RESERVED_OWNERS = ("v1", "internal", "docs", "static", "p", "openapi.json", "metrics", "health")
"""First path segments of the API's own routes, which no model page may shadow: an unknown
path under them stays the API's problem+json 404, and a route added after the UI's (as tests
add one) is still reached."""


class ModelOwner(Convertor[str]):
    """``{owner:model_owner}``: one path segment that is not a reserved one."""

    regex = "(?!(?:" + "|".join(re.escape(o) for o in RESERVED_OWNERS) + ")(?:/|$))[^/]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("model_owner", ModelOwner())


async def load_model(owner: str, name: str, context: ContextDep, visitor: VisitorDep) -> Model:
    """The model a page shows, as ``GET /v1/models/{owner}/{name}`` finds it: another
    account's private model answers 404, as a missing one does."""
    model = await context.store.catalog.get_model(owner, name)
    if not may_see(model, visitor.account):
        raise NotFound(f"Model {owner}/{name} not found")
    return model


ModelDep = Annotated[Model, Depends(load_model)]


def model_form(model: Model) -> tuple[Form, str | None]:
    """The latest version's form, or why there is none to show."""
    if model.latest_version is None:
        return Form(), "This model has no versions yet: push one with `mimeo push`."
    try:
        return input_form(model.latest_version.openapi_schema), None
    except UnsupportedInput as error:
        return Form(), f"This version's inputs cannot be shown as a form ({error}): use the API."
