"""A mimeo extension: push a version as an archive of the model directory.

Replicate receives versions as container images from ``cog push``; mimeo receives the model
directory as a tar.gz, already holding the schema that ``mimeo push`` generated in the model's
own environment (the API never imports model code). The version id is the archive's content
hash, recomputed here.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import structlog
import yaml
from fastapi import APIRouter, Request

from mimeo.api.http.deps import AccountDep, ContextDep
from mimeo.api.http.serializers import version_json
from mimeo.api.services.owners import claim_owner
from mimeo.core.accounts import PUBLIC, Visibility
from mimeo.core.blob_refs import blob_key, blob_ref
from mimeo.core.errors import InvalidRequest
from mimeo.core.identifiers import check_name
from mimeo.core.readme import README_FILES, pushed_readme
from mimeo.core.records import Model
from mimeo.core.version_schema import check_version_schema
from mimeo.runtime.archive import COVER_MEDIA_TYPES, SCHEMA_PATH
from mimeo.runtime.archive_reader import (
    DEFAULT_LIMITS,
    ArchiveContents,
    ArchiveTooLarge,
    read_archive,
)
from mimeo.runtime.cog_config import CogConfig, parse_cog_yaml
from mimeo.runtime.environment import COG_VERSION

router = APIRouter(prefix="/v1/models", tags=["push"])
log = structlog.get_logger()
COVERS = tuple(f"cover{suffix}" for suffix in COVER_MEDIA_TYPES)


@router.post("/{owner}/{name}/versions", status_code=201)
async def push_version(
    request: Request,
    owner: str,
    name: str,
    context: ContextDep,
    account: AccountDep,
    visibility: Visibility | None = None,
) -> dict[str, Any]:
    """The first push creates the model, public unless ``visibility=private``; a later push
    with ``visibility`` sets it. Only the owner (its organization's members) pushes."""
    check_name("model name", name)
    await claim_owner(context, account, owner)  # before a byte of someone else's upload is read
    archive = await _archive_body(request)
    if not archive:
        raise InvalidRequest("send the model directory as a tar.gz request body")
    contents = await asyncio.to_thread(
        read_archive, archive, {SCHEMA_PATH, "cog.yaml", *COVERS, *README_FILES}
    )
    version_id = contents.version_id
    try:
        schema = json.loads(_member(contents, SCHEMA_PATH))
        config = CogConfig.model_validate(parse_cog_yaml(_member(contents, "cog.yaml")))
    except (ValueError, yaml.YAMLError) as error:
        raise InvalidRequest(f"the archive's cog.yaml or schema is unreadable: {error}") from error
    if not config.predict:
        raise InvalidRequest("cog.yaml has no 'run:' or 'predict:' entry")
    schema = check_version_schema(schema)

    model = await context.store.catalog.find_model(owner, name)
    if model is None:
        model = await context.store.catalog.create_model(
            account.id, owner, name, visibility=visibility or PUBLIC
        )
    elif visibility is not None and visibility != model.visibility:
        model = await context.store.catalog.update_model(model, visibility=visibility)
    key = f"archives/{version_id}.tar.gz"
    if not await context.blobs.exists(key):
        await context.blobs.put(key, archive, "application/gzip")
    version = await context.store.catalog.add_version(
        model,
        version_id,
        cog_version=COG_VERSION,
        openapi_schema=schema,
        build=config.model_dump(mode="json"),
        archive_key=key,
    )
    await _keep_cover(context, model, contents)
    await _keep_readme(context, model, contents)
    log.info("version.pushed", model=model.full_name, version=version_id)
    return version_json(version)


async def _archive_body(request: Request) -> bytes:
    """The body, refused with a 413 as soon as it is too large rather than once it is read."""
    limit = DEFAULT_LIMITS.max_bytes
    refusal = ArchiveTooLarge(f"model archives are limited to {limit} bytes")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise refusal
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise refusal
    return bytes(body)


def _member(contents: ArchiveContents, name: str) -> bytes:
    try:
        return contents.files[name]
    except KeyError:
        raise InvalidRequest(f"the model archive has no readable {name}") from None


async def _keep_cover(context: ContextDep, model: Model, contents: ArchiveContents) -> None:
    """A ``cover.png|jpg|webp`` beside cog.yaml becomes the model's ``cover_image_url``, unless
    its owner set one elsewhere."""
    if model.cover_image_url and blob_key(model.cover_image_url) is None:
        return
    for suffix, media_type in COVER_MEDIA_TYPES.items():
        image = contents.files.get(f"cover{suffix}")
        if image is None:
            continue
        key = f"covers/{contents.version_id}{suffix}"
        await context.blobs.put(key, image, media_type)
        await context.store.catalog.set_cover(model, blob_ref(key))
        return


async def _keep_readme(context: ContextDep, model: Model, contents: ArchiveContents) -> None:
    """A README beside cog.yaml becomes the model's README; a push without one keeps the
    README the model has."""
    for name in README_FILES:
        raw = contents.files.get(name)
        if raw is not None:
            await context.store.catalog.set_readme(model, pushed_readme(raw))
            return
