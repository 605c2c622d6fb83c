"""``/v1/account`` and the hardware list."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from mimeo.api.http.deps import AccountDep
from mimeo.api.http.serializers import account_json
from mimeo.core.hardware import SKUS

router = APIRouter(prefix="/v1", tags=["account"])


@router.get("/account")
async def account(account: AccountDep) -> dict[str, Any]:
    return account_json(account)


@router.get("/hardware")
async def hardware(_account: AccountDep) -> list[dict[str, str]]:
    """The whole catalogue, so ``hardware=`` values written for replicate.com are accepted
    whichever nodes are up; a bare array, as Replicate returns it (not paginated)."""
    return [{"name": sku.name, "sku": sku.sku} for sku in SKUS]
