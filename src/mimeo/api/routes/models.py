"""``/v1/models``: models, their versions, and running a model's latest version.

Every account sees public models and its own (and its organizations') private ones; only the
owner changes a model. Whatever the caller may not see or change answers 404.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Body, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, field_validator

from mimeo.api.http.deps import (
    AccountDep,
    ContextDep,
    CursorDep,
    OwnModelDep,
    RunnableModelDep,
    VisibleModelDep,
)
from mimeo.api.http.downloads import SANDBOX_CSP
from mimeo.api.http.links import LinksDep
from mimeo.api.http.serializers import model_json, page_json, prediction_json, version_json
from mimeo.api.services.owners import claim_owner
from mimeo.api.services.predictions import CreationDep, PredictionRequest, latest_version
from mimeo.core.accounts import PUBLIC, Visibility
from mimeo.core.blob_refs import blob_key
from mimeo.core.errors import FieldError, InvalidInput, NotFound
from mimeo.core.hardware import CPU, hardware_error
from mimeo.core.identifiers import check_name
from mimeo.core.readme import checked_readme
from mimeo.runtime.archive import COVER_MEDIA_TYPES

router = APIRouter(prefix="/v1/models", tags=["models"])


class ModelChanges(BaseModel):
    """Replicate's ``models.update``: what is left out stays; ``null`` clears a text."""

    description: str | None = None
    visibility: Visibility | None = None
    hardware: str | None = None
    github_url: str | None = None
    paper_url: str | None = None
    license_url: str | None = None
    cover_image_url: str | None = None

    @field_validator("cover_image_url")
    @classmethod
    def _public_url(cls, url: str | None) -> str | None:
        """Only an http(s) URL: a ``mimeo-blob:`` reference here would publish any blob as
        the model's cover."""
        if url is not None and urlsplit(url).scheme not in ("http", "https"):
            raise ValueError("must be an http(s) URL")
        return url

    def check_hardware(self) -> None:
        unknown = None if self.hardware is None else hardware_error(self.hardware)
        if unknown is not None:
            raise InvalidInput([unknown])


class CreateModel(ModelChanges):
    owner: str
    name: str
    visibility: Visibility = "public"
    hardware: str = CPU


@router.get("")
async def list_models(
    context: ContextDep, account: AccountDep, cursor: CursorDep, links: LinksDep
) -> dict[str, Any]:
    page = await context.store.catalog.list_models(cursor, account)
    return page_json(page, links.models(), [model_json(m, links) for m in page.results])


@router.post("", status_code=201)
async def create_model(
    body: CreateModel, context: ContextDep, account: AccountDep, links: LinksDep
) -> dict[str, Any]:
    await claim_owner(context, account, body.owner)
    check_name("model name", body.name)
    body.check_hardware()
    model = await context.store.catalog.create_model(
        account.id, body.owner, body.name, **body.model_dump(exclude={"owner", "name"})
    )
    return model_json(model, links)


@router.get("/{owner}/{name}")
async def get_model(model: VisibleModelDep, context: ContextDep, links: LinksDep) -> dict[str, Any]:
    """``default_example`` is the newest of the model's examples (lists leave it null: one
    more read per model)."""
    example = await context.store.examples.newest(model)
    answer = model_json(model, links)
    answer["default_example"] = None if example is None else prediction_json(example, links)
    return answer


class ModelUpdate(ModelChanges):
    """``PATCH`` also replaces the README (Markdown; ``null`` removes it)."""

    readme: str | None = None


@router.patch("/{owner}/{name}")
async def update_model(
    body: ModelUpdate, model: OwnModelDep, context: ContextDep, links: LinksDep
) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True)
    for required in ("visibility", "hardware"):
        if required in changes and changes[required] is None:
            raise InvalidInput([FieldError(required, "may be changed, not cleared")])
    body.check_hardware()
    if "readme" in changes:
        readme = changes.pop("readme")
        await context.store.catalog.set_readme(
            model, None if readme is None else checked_readme(readme)
        )
    if changes:
        model = await context.store.catalog.update_model(model, **changes)
    return model_json(model, links)


@router.delete("/{owner}/{name}", status_code=204)
async def delete_model(model: OwnModelDep, context: ContextDep) -> Response:
    await context.store.catalog.delete_model(model.owner, model.name)
    return Response(status_code=204)


@router.get("/{owner}/{name}/versions")
async def list_versions(
    model: VisibleModelDep, context: ContextDep, cursor: CursorDep, links: LinksDep
) -> dict[str, Any]:
    page = await context.store.catalog.list_versions(model, cursor)
    url = links.versions(model.owner, model.name)
    return page_json(page, url, [version_json(v) for v in page.results])


@router.get("/{owner}/{name}/versions/{version_id}")
async def get_version(
    version_id: str, model: VisibleModelDep, context: ContextDep
) -> dict[str, Any]:
    return version_json(await context.store.catalog.get_version(model, version_id))


@router.delete("/{owner}/{name}/versions/{version_id}", status_code=204)
async def delete_version(version_id: str, model: OwnModelDep, context: ContextDep) -> Response:
    await context.store.catalog.delete_version(model, version_id)
    return Response(status_code=204)


@router.get("/{owner}/{name}/cover")
async def cover(owner: str, name: str, context: ContextDep) -> Response:
    """The cover image pushed with a public model: public, as a model page's image is, so that
    ``<img src=...>`` works without a token. A private model's cover is not here (404, as for
    a missing model): those who may see the model get it as a signed URL."""
    model = await context.store.catalog.get_model(owner, name)
    if model.visibility != PUBLIC:
        raise NotFound(f"Model {owner}/{name} not found")
    key = blob_key(model.cover_image_url)
    if key is None:
        raise NotFound(f"Model {model.full_name} has no cover image stored by mimeo")
    media_type = COVER_MEDIA_TYPES.get(PurePosixPath(key).suffix, "application/octet-stream")
    return Response(
        await context.blobs.get(key),
        media_type=media_type,
        headers={
            "Cache-Control": "public, max-age=3600",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": SANDBOX_CSP,
        },
    )


@router.post("/{owner}/{name}/predictions", status_code=201)
async def create_model_prediction(
    model: RunnableModelDep,
    body: Annotated[PredictionRequest, Body()],
    creation: CreationDep,
) -> JSONResponse:
    prediction = await creation.create(model, latest_version(model), body)
    return creation.created(prediction)
