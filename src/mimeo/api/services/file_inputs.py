"""File inputs, checked and made reachable before a prediction is queued.

A URL of a file uploaded to mimeo, or of a mimeo output, becomes a blob reference that the
worker reads through the API: the model never needs the user's token, and the input survives
the signed URL's expiry. Any other URL must be http(s) and, unless the operator allows it,
point at a public address; the model server fetches it. ``data:`` URIs go as they are.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from mimeo.api.context import AppContext
from mimeo.api.http.links import BLOB, Links
from mimeo.core.blob_refs import blob_ref, refuse_blob_refs
from mimeo.core.errors import FieldError, InvalidInput, NotFound
from mimeo.core.input_files import file_urls, replace_urls
from mimeo.core.records import Account
from mimeo.webhooks.targets import check_url


async def resolve_file_inputs(
    context: AppContext,
    account: Account,
    openapi_schema: dict[str, Any],
    given: dict[str, Any],
    links: Links,
) -> dict[str, Any]:
    for field, value in given.items():
        refuse_blob_refs(value, field)
    policy = context.url_policy
    own_host = urlsplit(links.base).netloc
    replacements: dict[str, str] = {}
    for field, url in file_urls(openapi_schema, given):
        if url.startswith("data:"):
            continue
        parts = urlsplit(url)
        if parts.netloc == own_host and parts.path.startswith(("/v1/files/", "/v1/blobs/")):
            replacements[url] = await _own_blob(context, account, field, url)
            continue
        await check_url(policy, url, field)
    return replace_urls(openapi_schema, given, replacements) if replacements else given


async def _own_blob(context: AppContext, account: Account, field: str, url: str) -> str:
    parts = urlsplit(url)
    segments = parts.path.split("/")
    if parts.path.startswith("/v1/files/") and len(segments) >= 4:
        try:
            stored = await context.store.files.get(segments[3], account.id)
        except NotFound as error:
            raise InvalidInput(
                [FieldError(field, f"no file {segments[3]} in your account")]
            ) from error
        return blob_ref(stored.blob_key)
    key = unquote(parts.path.removeprefix("/v1/blobs/"))
    query = parse_qs(parts.query)
    expires = query.get("expires", ["0"])[0]
    signature = query.get("signature", [""])[0]
    if not (
        expires.isdigit() and context.signer.verify_expiring(BLOB, key, int(expires), signature)
    ):
        raise InvalidInput([FieldError(field, "this mimeo file link is not valid or has expired")])
    return blob_ref(key)
