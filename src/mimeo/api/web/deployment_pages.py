"""The account's deployments: list, create, and edit (each edit is the next release), through
the release service ``/v1/deployments`` uses."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mimeo.api.http.deps import ContextDep, get_deployment
from mimeo.api.services.releases import first_release, next_release
from mimeo.api.web.pages import mark_web, page
from mimeo.api.web.sessions import CheckedVisitorDep, VisitorDep
from mimeo.core.errors import InvalidInput
from mimeo.core.hardware import SKUS
from mimeo.core.records import Deployment

router = APIRouter(include_in_schema=False, dependencies=[Depends(mark_web)])
Text = Annotated[str, Form()]
Count = Annotated[int, Form()]


@router.get("/deployments")
async def deployments(request: Request, context: ContextDep, visitor: VisitorDep) -> HTMLResponse:
    listed = await context.store.deployments.list_for_owners(visitor.account.namespaces, None)
    return page(request, "deployments.html", visitor, deployments=listed.results)


def _form_page(
    request: Request,
    visitor: VisitorDep,
    deployment: Deployment | None,
    values: dict[str, object],
    error: InvalidInput | None = None,
) -> HTMLResponse:
    """The create or edit form, with each field's error beside it after a 422."""
    return page(
        request,
        "deployment_form.html",
        visitor,
        422 if error else 200,
        deployment=deployment,
        values=values,
        skus=SKUS,
        errors={e.field: e.message for e in error.errors} if error else {},
    )


@router.get("/deployments/new")
async def new_form(request: Request, visitor: VisitorDep, model: str = "") -> HTMLResponse:
    values = {"name": "", "model": model, "version": "", "hardware": "cpu"}
    return _form_page(request, visitor, None, {**values, "min_instances": 0, "max_instances": 1})


@router.post("/deployments/new")
async def create(
    request: Request,
    context: ContextDep,
    visitor: CheckedVisitorDep,
    name: Text,
    model: Text,
    version: Text,
    hardware: Text,
    min_instances: Count,
    max_instances: Count,
) -> Response:
    try:
        made = await first_release(
            context,
            visitor.account,
            visitor.account.username,
            name,
            model,
            version,
            hardware,
            min_instances,
            max_instances,
        )
    except InvalidInput as error:
        values: dict[str, object] = dict(await request.form())
        return _form_page(request, visitor, None, values, error)
    return RedirectResponse(f"/deployments/{made.owner}/{made.name}", status_code=303)


@router.get("/deployments/{owner}/{name}")
async def edit_form(
    owner: str, name: str, request: Request, context: ContextDep, visitor: VisitorDep
) -> HTMLResponse:
    deployment = await get_deployment(owner, name, visitor.account, context)
    return _form_page(request, visitor, deployment, _values(deployment))


def _values(deployment: Deployment) -> dict[str, object]:
    return {
        "name": deployment.name,
        "model": deployment.model,
        "version": deployment.version,
        "hardware": deployment.hardware,
        "min_instances": deployment.min_instances,
        "max_instances": deployment.max_instances,
    }


@router.post("/deployments/{owner}/{name}")
async def update(
    owner: str,
    name: str,
    request: Request,
    context: ContextDep,
    visitor: CheckedVisitorDep,
    version: Text,
    hardware: Text,
    min_instances: Count,
    max_instances: Count,
) -> Response:
    deployment = await get_deployment(owner, name, visitor.account, context)
    try:
        await next_release(
            context, visitor.account, deployment, version, hardware, min_instances, max_instances
        )
    except InvalidInput as error:
        values = _values(deployment) | dict(await request.form())
        return _form_page(request, visitor, deployment, values, error)
    return RedirectResponse(f"/deployments/{owner}/{name}", status_code=303)
