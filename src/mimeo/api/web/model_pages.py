"""Explore, a model's page (playground, API, versions), and running it from its form.

A run goes through ``PredictionCreation`` like every create route, and each uploaded file
through the file service like ``POST /v1/files``; the form's values are checked by the same
validation, so a wrong one comes back as the same 422, which the page marks on its field.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from mimeo.api.context import AppContext
from mimeo.api.http.deps import ContextDep
from mimeo.api.http.links import Links, LinksDep
from mimeo.api.http.serializers import prediction_json
from mimeo.api.services.file_uploads import store_upload
from mimeo.api.services.predictions import PredictionCreation, PredictionRequest, latest_version
from mimeo.api.web.catalog_views import card, model_readme, model_versions, visible_models
from mimeo.api.web.pages import mark_web, page, wants_page
from mimeo.api.web.sessions import CheckedVisitorDep, VisitorDep
from mimeo.core.errors import Conflict
from mimeo.core.media_types import check_media_type
from mimeo.core.output_schema import is_iterator_output
from mimeo.core.records import Account, Model
from mimeo.web.forms import Form, UnsupportedInput, Widget, input_form
from mimeo.web.snippets import snippets
from mimeo.web.submission import form_input

router = APIRouter(include_in_schema=False, dependencies=[Depends(mark_web)])

RESERVED_OWNERS = frozenset({"v1", "internal", "docs", "static", "p", "openapi.json", "metrics"})
"""First path segments of the API's own routes: an unknown path under them stays the API's
problem+json 404, never a model page."""


async def load_model(owner: str, name: str, request: Request, context: ContextDep) -> Model:
    if owner in RESERVED_OWNERS:
        raise HTTPException(404, f"No route {request.url.path}")
    return await context.store.catalog.get_model(owner, name)


ModelDep = Annotated[Model, Depends(load_model)]


@router.get("/")
async def explore(
    request: Request, context: ContextDep, visitor: VisitorDep, links: LinksDep, q: str = ""
) -> HTMLResponse:
    models = await visible_models(context, visitor.account, q.strip())
    return page(request, "explore.html", visitor, cards=[card(m, links) for m in models], query=q)


def _form(model: Model) -> tuple[Form, str | None]:
    """The latest version's form, or why there is none to show."""
    if model.latest_version is None:
        return Form(), "This model has no versions yet: push one with `mimeo push`."
    try:
        return input_form(model.latest_version.openapi_schema), None
    except UnsupportedInput as error:
        return Form(), f"This version's inputs cannot be shown as a form ({error}): use the API."


@router.get("/{owner}/{name}")
async def model_page(
    request: Request, model: ModelDep, visitor: VisitorDep, links: LinksDep
) -> HTMLResponse:
    form, form_problem = _form(model)
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
        readme=model_readme(model),
    )


@router.get("/{owner}/{name}/versions")
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


@router.get("/{owner}/{name}/api")
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
        given = _form(model)[0].masked(links.output(made.input))
    else:
        given = example_input(_form(model)[0])
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


@router.post("/{owner}/{name}/run")
async def run(
    request: Request,
    context: ContextDep,
    model: ModelDep,
    visitor: CheckedVisitorDep,
    links: LinksDep,
) -> Response:
    """Answers JSON to the page's script, a redirect to the prediction's page without one."""
    version = latest_version(model)
    form, form_problem = _form(model)
    if form_problem is not None:
        raise Conflict(form_problem)
    submitted = await request.form()
    try:
        given = form_input(form, _texts(submitted))
        given.update(await _uploads(context, visitor.account, links, form, submitted))
    finally:
        await submitted.close()
    creation = PredictionCreation(context, visitor.account, links, wait=None, cancel_after=None)
    prediction = await creation.create(model, version, PredictionRequest(input=given))
    if wants_page(request):
        return RedirectResponse(f"/predictions/{prediction.id}", status_code=303)
    return JSONResponse(
        {"page": f"/predictions/{prediction.id}", "prediction": prediction_json(prediction, links)},
        201,
    )


def _texts(submitted: FormData) -> dict[str, list[str]]:
    texts: dict[str, list[str]] = {}
    for key, value in submitted.multi_items():
        if isinstance(value, str):
            texts.setdefault(key, []).append(value)
    return texts


async def _uploads(
    context: AppContext, account: Account, links: Links, form: Form, submitted: FormData
) -> dict[str, Any]:
    """Each chosen file stored as a ``/v1/files`` file; the input gets its URL, which the
    prediction service turns into the same reference an API upload becomes."""
    urls: dict[str, Any] = {}
    for spec in form.fields:
        if spec.widget not in (Widget.FILE, Widget.FILES):
            continue
        chosen = [
            item
            for item in submitted.getlist(spec.name)
            if isinstance(item, UploadFile) and item.filename
        ]
        stored = []
        for upload in chosen:
            content_type = check_media_type(
                upload.content_type or "application/octet-stream", spec.name
            )
            data = await upload.read()
            file = await store_upload(
                context, account, data, upload.filename or "file", content_type, {}
            )
            stored.append(links.file(file.id))
        if stored:
            urls[spec.name] = stored if spec.widget is Widget.FILES else stored[0]
    return urls
