"""``/v1/billing``: the caller's balance and usage (a mimeo extension; money as decimal
strings in dollars, never floats)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter

from mimeo.api.http.deps import AccountDep, ContextDep
from mimeo.api.http.serializers import billing_json, timestamp, usage_line_json
from mimeo.core.errors import FieldError, InvalidInput
from mimeo.core.money import CURRENCY, format_dollars, format_seconds
from mimeo.core.usage import UsageGrouping

router = APIRouter(prefix="/v1/billing", tags=["billing"])


def _utc(moment: datetime | None, field: str) -> datetime | None:
    """The ledger's moments are UTC; a moment given in another zone is moved to UTC first."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError as error:
        raise InvalidInput([FieldError(field, "out of the range of dates")]) from error


@router.get("")
async def billing(account: AccountDep, context: ContextDep) -> dict[str, Any]:
    return billing_json(account.username, await context.store.ledger.summary(account.id))


@router.get("/usage")
async def usage(
    account: AccountDep,
    context: ContextDep,
    group_by: UsageGrouping = UsageGrouping.DAY,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, Any]:
    """Usage summed by UTC day, model or hardware, ``since`` inclusive and ``until``
    exclusive (a moment without a zone is UTC)."""
    since, until = _utc(since, "since"), _utc(until, "until")
    lines = await context.store.ledger.usage(account.id, group_by, since, until)
    return {
        "group_by": str(group_by),
        "since": timestamp(since),
        "until": timestamp(until),
        "currency": CURRENCY,
        "results": [usage_line_json(group_by, line) for line in lines],
        "total": {
            "seconds": format_seconds(sum(line.duration_us for line in lines)),
            "amount": format_dollars(sum(line.amount_micros for line in lines)),
            "count": sum(line.count for line in lines),
        },
    }
