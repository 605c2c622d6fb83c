"""``/v1/deployments``: named, configured releases of a model version, and running them.

A deployment's owner is the account that made it, or an organization it belongs to (``owner``
in the body, a mimeo extension); the owner's members see and change it, and nobody else (404).
Only a model's owner deploys it. Its predictions run the current release's version on the
release's hardware, and belong to whoever creates them.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from mimeo.api.http.deps import AccountDep, ContextDep, CursorDep, DeploymentDep
from mimeo.api.http.links import LinksDep
from mimeo.api.http.serializers import deployment_json, page_json
from mimeo.api.services.predictions import CreationDep, PredictionRequest
from mimeo.api.services.releases import first_release, next_release
from mimeo.core.errors import NotFound
from mimeo.core.records import Account, Deployment

router = APIRouter(prefix="/v1/deployments", tags=["deployments"])


class CreateDeployment(BaseModel):
    name: str
    owner: str | None = None
    """The caller (the default) or an organization it belongs to."""
    model: str
    version: str
    hardware: str
    min_instances: int
    max_instances: int


class UpdateDeployment(BaseModel):
    """Any subset; what is left out stays as the current release has it."""

    version: str | None = None
    hardware: str | None = None
    min_instances: int | None = None
    max_instances: int | None = None


@router.get("")
async def list_deployments(
    context: ContextDep, account: AccountDep, cursor: CursorDep, links: LinksDep
) -> dict[str, Any]:
    page = await context.store.deployments.list_for_owners(account.namespaces, cursor)
    items = [deployment_json(d, await _creator(context, d, account)) for d in page.results]
    return page_json(page, links.deployments(), items)


@router.post("", status_code=201)
async def create_deployment(
    body: CreateDeployment, context: ContextDep, account: AccountDep
) -> dict[str, Any]:
    deployment = await first_release(
        context,
        account,
        body.owner or account.username,
        body.name,
        body.model,
        body.version,
        body.hardware,
        body.min_instances,
        body.max_instances,
    )
    return deployment_json(deployment, account)


@router.get("/{owner}/{name}")
async def get_deployment(
    deployment: DeploymentDep, context: ContextDep, account: AccountDep
) -> dict[str, Any]:
    return deployment_json(deployment, await _creator(context, deployment, account))


@router.patch("/{owner}/{name}")
async def update_deployment(
    body: UpdateDeployment, deployment: DeploymentDep, context: ContextDep, account: AccountDep
) -> dict[str, Any]:
    """A change to anything makes the next release; a body that changes nothing makes none."""
    updated = await next_release(
        context,
        account,
        deployment,
        body.version,
        body.hardware,
        body.min_instances,
        body.max_instances,
    )
    return deployment_json(updated, await _creator(context, updated, account))


@router.delete("/{owner}/{name}", status_code=204)
async def delete_deployment(deployment: DeploymentDep, context: ContextDep) -> Response:
    await context.store.deployments.delete(deployment.owner, deployment.name)
    return Response(status_code=204)


async def _creator(context: ContextDep, deployment: Deployment, caller: Account) -> Account:
    """Who made the deployment: the caller, mostly; another member of its organization else."""
    if deployment.account_id == caller.id:
        return caller
    return await context.store.accounts.by_id(deployment.account_id) or caller


@router.post("/{owner}/{name}/predictions", status_code=201)
async def create_deployment_prediction(
    deployment: DeploymentDep,
    body: Annotated[PredictionRequest, Body()],
    creation: CreationDep,
) -> JSONResponse:
    """As ``POST /v1/models/{owner}/{name}/predictions``, on the current release."""
    catalog = creation.context.store.catalog
    model = await catalog.find_model(*deployment.model.split("/", 1))
    if model is None:
        raise NotFound(f"Deployment {deployment.full_name} runs {deployment.model}, now deleted")
    version = await catalog.get_version(model, deployment.version)
    prediction = await creation.create(
        model, version, body, hardware=deployment.hardware, deployment=deployment.full_name
    )
    return creation.created(prediction)
