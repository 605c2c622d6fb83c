"""``/v1/tokens``: the caller's own API tokens (a mimeo extension).

A new token's secret is in the answer that creates it and nowhere after: only its digest is
kept. A revoked token answers 401 at once on every API node. Another account's token id is
not found, as a missing one.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from mimeo.api.http.deps import AccountDep, ContextDep
from mimeo.api.http.serializers import token_json

router = APIRouter(prefix="/v1/tokens", tags=["tokens"])


class CreateToken(BaseModel):
    name: Annotated[str | None, Field(max_length=100)] = None


@router.get("")
async def list_tokens(account: AccountDep, context: ContextDep) -> dict[str, Any]:
    """Newest first; never the secrets."""
    return {"results": [token_json(t) for t in await context.store.tokens.list(account.id)]}


@router.post("", status_code=201)
async def create_token(
    body: CreateToken, account: AccountDep, context: ContextDep
) -> dict[str, Any]:
    token, secret = await context.store.tokens.create(account.id, body.name)
    return {**token_json(token), "token": secret}


@router.delete("/{token_id}", status_code=204)
async def revoke_token(token_id: str, account: AccountDep, context: ContextDep) -> Response:
    await context.store.tokens.revoke(account.id, token_id)
    return Response(status_code=204)
