"""``/v1/files``: upload, list, get, delete and download, per account.

The multipart body takes ``content`` (the bytes), and ``filename``, ``type`` and ``metadata``.
The Python client sends ``metadata`` as a form field holding JSON and the JavaScript client as
a file part of type ``application/json``: both are read.
"""

from __future__ import annotations

import json
import mimetypes
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.datastructures import FormData, UploadFile

from mimeo.api.http.deps import AccountDep, ContextDep, CursorDep, get_account
from mimeo.api.http.downloads import download_headers
from mimeo.api.http.links import BLOB, FILE_DOWNLOAD, Links, LinksDep
from mimeo.api.http.serializers import file_json, page_json
from mimeo.api.services.file_uploads import blob_name, store_upload
from mimeo.core.errors import FieldError, InvalidInput, NotFound, Unauthenticated
from mimeo.core.media_types import check_media_type, servable_media_type
from mimeo.core.records import Account
from mimeo.core.unicode_text import refuse_lone_surrogates

router = APIRouter(tags=["files"])
DEFAULT_CONTENT_TYPE = "application/octet-stream"


async def _text_or_file(value: str | UploadFile | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return (await value.read()).decode()


UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["content"],
                    "properties": {
                        "content": {"type": "string", "format": "binary"},
                        "filename": {"type": "string"},
                        "type": {"type": "string", "description": "A media type, e.g. image/png"},
                        "metadata": {"type": "string", "description": "A JSON object"},
                    },
                }
            }
        },
    }
}
"""The body as the clients send it; read by hand, so FastAPI would not document it."""


@router.post("/v1/files", status_code=201, openapi_extra=UPLOAD_BODY)
async def create_file(
    request: Request, context: ContextDep, account: AccountDep, links: LinksDep
) -> JSONResponse:
    async with request.form() as form:  # closes the spooled parts, whatever happens
        return await _store_upload(form, context, account, links)


async def _store_upload(
    form: FormData, context: ContextDep, account: Account, links: Links
) -> JSONResponse:
    content = form.get("content")
    if not isinstance(content, UploadFile):
        raise InvalidInput([FieldError("content", "a file part named 'content' is required")])
    data = await content.read()
    filename = await _text_or_file(form.get("filename")) or content.filename or "file"
    content_type = check_media_type(
        await _text_or_file(form.get("type"))
        or content.content_type
        or mimetypes.guess_type(filename)[0]
        or DEFAULT_CONTENT_TYPE,
        "type",
    )
    raw_metadata = await _text_or_file(form.get("metadata"))
    try:
        metadata: Any = json.loads(raw_metadata) if raw_metadata else {}
    except json.JSONDecodeError as error:
        raise InvalidInput([FieldError("metadata", f"not valid JSON: {error}")]) from error
    if not isinstance(metadata, dict):
        raise InvalidInput([FieldError("metadata", "must be a JSON object")])
    refuse_lone_surrogates(metadata, "metadata")

    stored = await store_upload(context, account, data, filename, content_type, metadata)
    return JSONResponse(file_json(stored, account.username, links), 201)


@router.get("/v1/files")
async def list_files(
    context: ContextDep, account: AccountDep, cursor: CursorDep, links: LinksDep
) -> dict[str, Any]:
    page = await context.store.files.list_for_account(account.id, cursor)
    items = [file_json(f, account.username, links) for f in page.results]
    return page_json(page, links.files(), items)


@router.get("/v1/files/{file_id}")
async def get_file(
    file_id: str, context: ContextDep, account: AccountDep, links: LinksDep
) -> dict[str, Any]:
    return file_json(await context.store.files.get(file_id, account.id), account.username, links)


@router.delete("/v1/files/{file_id}", status_code=204)
async def delete_file(file_id: str, context: ContextDep, account: AccountDep) -> Response:
    stored = await context.store.files.delete(file_id, account.id)
    await context.blobs.delete(stored.blob_key)
    return Response(status_code=204)


@router.get("/v1/files/{file_id}/download")
async def download_file(
    file_id: str,
    request: Request,
    context: ContextDep,
    owner: str = "",
    expiry: int = 0,
    signature: str = "",
) -> StreamingResponse:
    """Signed (``owner``, ``expiry``, ``signature``) or with the owner's token."""
    if signature and context.signer.verify_expiring(
        FILE_DOWNLOAD, f"{owner} {file_id}", expiry, signature
    ):
        account = await context.store.accounts.by_username(owner)
        if account is None:
            raise NotFound(f"File {file_id} not found")
    else:
        account = await get_account(request, context)
    stored = await context.store.files.get(file_id, account.id)
    return await _blob_response(context, stored.blob_key, stored.content_type, stored.name)


@router.get("/v1/blobs/{key:path}")
async def download_blob(
    key: str, context: ContextDep, expires: int = 0, signature: str = ""
) -> StreamingResponse:
    """Prediction outputs. The signature is the only credential: the JavaScript client fetches
    outputs with plain ``fetch``, without the token."""
    if not context.signer.verify_expiring(BLOB, key, expires, signature):
        raise Unauthenticated("This link is not valid or has expired")
    content_type = mimetypes.guess_type(key)[0] or DEFAULT_CONTENT_TYPE
    return await _blob_response(context, key, content_type, key.rsplit("/", 1)[-1])


async def _blob_response(
    context: ContextDep, key: str, content_type: str, name: str
) -> StreamingResponse:
    chunks = context.blobs.stream(key)
    first = await anext(chunks, b"")

    async def body() -> Any:
        yield first
        async for chunk in chunks:
            yield chunk

    media_type = servable_media_type(content_type)
    return StreamingResponse(
        body(),
        media_type=media_type,
        headers=download_headers(blob_name(name, media_type), media_type),
    )
