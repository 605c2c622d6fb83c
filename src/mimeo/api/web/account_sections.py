"""The parts of the account page below who is signed in: each is a template partial and the
values it reads, built here from the same stores the API reads, so page and API agree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from mimeo.api.context import AppContext
from mimeo.api.web.costs import dollars
from mimeo.api.web.sessions import Visitor
from mimeo.core.clock import utc_now
from mimeo.core.money import format_seconds
from mimeo.core.records import Account
from mimeo.core.usage import UsageGrouping, UsageLine
from mimeo.web.charts import BarChart, bar_chart

USAGE_DAYS = 30
"""The days the usage by day covers, today included; by model covers the same span."""


@dataclass(frozen=True)
class AccountSection:
    """One more part of the account page: a template partial and the values it reads."""

    template: str
    values: dict[str, object]


@dataclass(frozen=True)
class UsageRow:
    key: str
    count: int
    seconds: str
    amount: str


@dataclass(frozen=True)
class Usage:
    """One grouping of usage, as a chart and as the table with the same numbers."""

    id: str
    heading: str
    key_title: str
    rows: list[UsageRow]
    chart: BarChart


async def balance_section(context: AppContext, account: Account) -> AccountSection:
    """The values of ``GET /v1/billing``."""
    summary = await context.store.ledger.summary(account.id)
    return AccountSection(
        "_balance.html",
        {
            "balance": dollars(summary.balance_micros),
            "granted": dollars(summary.granted_micros),
            "spent": dollars(summary.spent_micros),
            "spent_out": summary.balance_micros <= 0,
        },
    )


def usage(grouping: UsageGrouping, heading: str, lines: list[UsageLine]) -> Usage:
    """Usage without a model (a deployment's instance time, say) is keyed "(instances)"."""
    key_title = "Day" if grouping is UsageGrouping.DAY else "Model"
    rows = [
        UsageRow(
            line.key or "(instances)",
            line.count,
            format_seconds(line.duration_us),
            dollars(line.amount_micros),
        )
        for line in lines
    ]
    bars = [
        (row.key, line.amount_micros, row.amount) for row, line in zip(rows, lines, strict=True)
    ]
    return Usage(str(grouping), heading, key_title, rows, bar_chart(heading, bars))


async def usage_section(
    context: AppContext, account: Account, now: datetime | None = None
) -> AccountSection:
    """Usage by UTC day and by model over the last ``USAGE_DAYS``, as ``GET
    /v1/billing/usage?group_by=…&since=…`` sums it."""
    today = (now or utc_now()).replace(hour=0, minute=0, second=0, microsecond=0)
    since = today - timedelta(days=USAGE_DAYS - 1)
    ledger = context.store.ledger
    by_day = await ledger.usage(account.id, UsageGrouping.DAY, since)
    by_model = await ledger.usage(account.id, UsageGrouping.MODEL, since)
    days = f"the last {USAGE_DAYS} days"
    return AccountSection(
        "_usage.html",
        {
            "usages": [
                usage(UsageGrouping.DAY, f"Spent by day, {days}", by_day),
                usage(UsageGrouping.MODEL, f"Spent by model, {days}", by_model),
            ]
        },
    )


async def account_sections(context: AppContext, visitor: Visitor) -> list[AccountSection]:
    """The sections in page order. The accounts branch's API tokens section (create, shown
    once, revoke) is one more ``AccountSection``: it goes first, where ``TOKENS_SECTION`` is."""
    account = visitor.account
    return [
        # TOKENS_SECTION: the accounts branch adds `await tokens_section(context, visitor)` here.
        await balance_section(context, account),
        await usage_section(context, account),
    ]
