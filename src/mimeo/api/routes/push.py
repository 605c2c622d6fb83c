"""A mimeo extension: push a version as an archive of the model directory.

Replicate receives versions as container images from ``cog push``; mimeo receives the model
directory as a tar.gz, already holding the schema that ``mimeo push`` generated in the model's
own environment (the API never imports model code). The version id is the archive's content
hash, recomputed here.
"""

from __future__ import annotations

import json
from typing import Any

import structlog
import yaml
from fastapi import APIRouter, Request

from mimeo.api.http.deps import AccountDep, ContextDep
from mimeo.api.http.serializers import version_json
from mimeo.core.blob_refs import blob_key, blob_ref
from mimeo.core.errors import InvalidRequest, PayloadTooLarge
from mimeo.core.identifiers import check_name
from mimeo.core.records import Model
from mimeo.core.version_schema import check_version_schema
from mimeo.runtime.archive import COVER_MEDIA_TYPES, SCHEMA_PATH, archive_id, read_member
from mimeo.runtime.cog_config import CogConfig, parse_cog_yaml
from mimeo.runtime.environment import COG_VERSION

router = APIRouter(prefix="/v1/models", tags=["push"])
log = structlog.get_logger()
MAX_ARCHIVE_BYTES = 512 * 1024 * 1024


@router.post("/{owner}/{name}/versions", status_code=201)
async def push_version(
    request: Request, owner: str, name: str, context: ContextDep, account: AccountDep
) -> dict[str, Any]:
    check_name("owner", owner)
    check_name("model name", name)
    archive = await request.body()
    if len(archive) > MAX_ARCHIVE_BYTES:
        raise PayloadTooLarge(f"model archives are limited to {MAX_ARCHIVE_BYTES} bytes")
    if not archive:
        raise InvalidRequest("send the model directory as a tar.gz request body")
    version_id = archive_id(archive)
    try:
        schema = json.loads(read_member(archive, SCHEMA_PATH))
        config = CogConfig.model_validate(parse_cog_yaml(read_member(archive, "cog.yaml")))
    except (ValueError, yaml.YAMLError) as error:
        raise InvalidRequest(f"the archive's cog.yaml or schema is unreadable: {error}") from error
    if not config.predict:
        raise InvalidRequest("cog.yaml has no 'run:' or 'predict:' entry")
    schema = check_version_schema(schema)

    model = await context.store.catalog.find_model(owner, name)
    if model is None:
        model = await context.store.catalog.create_model(account.id, owner, name)
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
    await _keep_cover(context, model, archive, version_id)
    log.info("version.pushed", model=model.full_name, version=version_id)
    return version_json(version)


async def _keep_cover(context: ContextDep, model: Model, archive: bytes, version_id: str) -> None:
    """A ``cover.png|jpg|webp`` beside cog.yaml becomes the model's ``cover_image_url``, unless
    its owner set one elsewhere."""
    if model.cover_image_url and blob_key(model.cover_image_url) is None:
        return
    for suffix, media_type in COVER_MEDIA_TYPES.items():
        try:
            image = read_member(archive, f"cover{suffix}")
        except InvalidRequest:
            continue
        key = f"covers/{version_id}{suffix}"
        await context.blobs.put(key, image, media_type)
        await context.store.catalog.set_cover(model, blob_ref(key))
        return
