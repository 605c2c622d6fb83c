"""Explore, and a model's tabs: the playground (its form, README and output panel), the API
code, and the versions. Running the form is ``runs``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from mimeo.api.http.deps import ContextDep
from mimeo.api.http.links import LinksDep
from mimeo.api.web.catalog_views import (
    ModelDep,
    card,
    model_form,
    model_readme,
    model_versions,
    visible_models,
)
from mimeo.api.web.pages import mark_web, page
from mimeo.api.web.sessions import VisitorDep
from mimeo.core.output_schema import is_iterator_output
from mimeo.web.forms import Form, Widget
from mimeo.web.snippets import snippets

router = APIRouter(include_in_schema=False, dependencies=[Depends(mark_web)])


@router.get("/")
async def explore(
    request: Request, context: ContextDep, visitor: VisitorDep, links: LinksDep, q: str = ""
) -> HTMLResponse:
    models = await visible_models(context, visitor.account, q.strip())
    return page(request, "explore.html", visitor, cards=[card(m, links) for m in models], query=q)


@router.get("/{owner:model_owner}/{name}")
async def model_page(
    request: Request, context: ContextDep, model: ModelDep, visitor: VisitorDep, links: LinksDep
) -> HTMLResponse:
    form, form_problem = model_form(model)
    schema = model.latest_version.openapi_schema if model.latest_version else {}
    return page(
        request,
        "model.html",
        visitor,
        card=card(model, links),
        tab="playground",
        form=form,
        form_problem=form_problem,
        Widget=Widget,
        iterator=is_iterator_output(schema),
        readme=await model_readme(context, model),
    )


@router.get("/{owner:model_owner}/{name}/versions")
async def versions_page(
    request: Request, context: ContextDep, model: ModelDep, visitor: VisitorDep, links: LinksDep
) -> HTMLResponse:
    return page(
        request,
        "model_versions.html",
        visitor,
        card=card(model, links),
        tab="versions",
        versions=await model_versions(context, model),
    )


@router.get("/{owner:model_owner}/{name}/api")
async def api_page(
    request: Request,
    context: ContextDep,
    model: ModelDep,
    visitor: VisitorDep,
    links: LinksDep,
    prediction: str | None = None,
) -> HTMLResponse:
    """The snippets carry the inputs of ``prediction`` (the run just made) when given."""
    given: dict[str, Any]
    if prediction:
        made = await context.store.predictions.get(prediction, visitor.account.id)
        given = model_form(model)[0].masked(links.output(made.input))
    else:
        given = example_input(model_form(model)[0])
    return page(
        request,
        "model_api.html",
        visitor,
        card=card(model, links),
        tab="api",
        snippets=snippets(links.base, model.full_name, given),
    )


def example_input(form: Form) -> dict[str, Any]:
    """The required inputs, each with a placeholder to replace."""
    placeholders = {Widget.INTEGER: 1, Widget.NUMBER: 1.0, Widget.BOOLEAN: True}
    return {
        f.name: f.default
        if f.default is not None
        else placeholders.get(f.widget, f.choices[0] if f.choices else f"<{f.name}>")
        for f in form.fields
        if f.required
    }
