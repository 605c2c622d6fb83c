"""``/v1/models``: models, their versions, and running a model's latest version."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Body, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, field_validator

from mimeo.api.http.deps import AccountDep, ContextDep, CursorDep
from mimeo.api.http.downloads import SANDBOX_CSP
from mimeo.api.http.links import LinksDep
from mimeo.api.http.serializers import model_json, page_json, prediction_json, version_json
from mimeo.api.services.predictions import CreationDep, PredictionRequest, latest_version
from mimeo.core.blob_refs import blob_key
from mimeo.core.errors import InvalidInput, NotFound
from mimeo.core.hardware import CPU, hardware_error
from mimeo.core.identifiers import check_name
from mimeo.runtime.archive import COVER_MEDIA_TYPES

router = APIRouter(prefix="/v1/models", tags=["models"])


class CreateModel(BaseModel):
    owner: str
    name: str
    visibility: str = "public"
    hardware: str = CPU
    description: str | None = None
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


@router.get("")
async def list_models(
    context: ContextDep, _account: AccountDep, cursor: CursorDep, links: LinksDep
) -> dict[str, Any]:
    page = await context.store.catalog.list_models(cursor)
    return page_json(page, links.models(), [model_json(m, links) for m in page.results])


@router.post("", status_code=201)
async def create_model(
    body: CreateModel, context: ContextDep, account: AccountDep, links: LinksDep
) -> dict[str, Any]:
    check_name("owner", body.owner)
    check_name("model name", body.name)
    unknown = hardware_error(body.hardware)
    if unknown is not None:
        raise InvalidInput([unknown])
    model = await context.store.catalog.create_model(
        account.id, body.owner, body.name, **body.model_dump(exclude={"owner", "name"})
    )
    return model_json(model, links)


@router.get("/{owner}/{name}")
async def get_model(
    owner: str, name: str, context: ContextDep, _account: AccountDep, links: LinksDep
) -> dict[str, Any]:
    """``default_example`` is the newest of the model's examples (lists leave it null: one
    more read per model)."""
    model = await context.store.catalog.get_model(owner, name)
    example = await context.store.examples.newest(model)
    answer = model_json(model, links)
    answer["default_example"] = None if example is None else prediction_json(example, links)
    return answer


@router.delete("/{owner}/{name}", status_code=204)
async def delete_model(
    owner: str, name: str, context: ContextDep, _account: AccountDep
) -> Response:
    await context.store.catalog.delete_model(owner, name)
    return Response(status_code=204)


@router.get("/{owner}/{name}/versions")
async def list_versions(
    owner: str,
    name: str,
    context: ContextDep,
    _account: AccountDep,
    cursor: CursorDep,
    links: LinksDep,
) -> dict[str, Any]:
    model = await context.store.catalog.get_model(owner, name)
    page = await context.store.catalog.list_versions(model, cursor)
    return page_json(page, links.versions(owner, name), [version_json(v) for v in page.results])


@router.get("/{owner}/{name}/versions/{version_id}")
async def get_version(
    owner: str, name: str, version_id: str, context: ContextDep, _account: AccountDep
) -> dict[str, Any]:
    model = await context.store.catalog.get_model(owner, name)
    return version_json(await context.store.catalog.get_version(model, version_id))


@router.delete("/{owner}/{name}/versions/{version_id}", status_code=204)
async def delete_version(
    owner: str, name: str, version_id: str, context: ContextDep, _account: AccountDep
) -> Response:
    model = await context.store.catalog.get_model(owner, name)
    await context.store.catalog.delete_version(model, version_id)
    return Response(status_code=204)


@router.get("/{owner}/{name}/cover")
async def cover(owner: str, name: str, context: ContextDep) -> Response:
    """The cover image pushed with the model: public, as a model page's image is, so that
    ``<img src=...>`` works without a token."""
    model = await context.store.catalog.get_model(owner, name)
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
    owner: str,
    name: str,
    body: Annotated[PredictionRequest, Body()],
    creation: CreationDep,
) -> JSONResponse:
    model = await creation.context.store.catalog.get_model(owner, name)
    prediction = await creation.create(model, latest_version(model), body)
    return creation.created(prediction)
