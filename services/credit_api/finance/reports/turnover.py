"""Receivables turnover and average collection period over month-ends (`shared/domain/turnover.py`)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.finance.reports import repository
from services.credit_api.finance.reports.common import (
    GroupBy,
    figure,
    groups_of,
    money,
    month_end,
    month_start,
)
from services.credit_api.finance.reports.tabular import Column
from shared.domain import turnover

COLUMNS = [
    Column("group"),
    Column("currency"),
    Column("credit_sales", "amount"),
    Column("average_receivables", "amount"),
    Column("turnover", "number"),
    Column("days", "days"),
]


async def report(
    session: AsyncSession,
    as_of: date,
    months: int,
    group_by: GroupBy,
    currency: str,
    customer: str | None = None,
) -> dict[str, Any]:
    """Over the `months` months that end with the as-of date's: the month-end before them, each
    month-end within, and the as-of date for the month under way."""
    groups = await groups_of(session, as_of, group_by, currency, customer)
    opening = month_start(as_of, months - 1) - timedelta(days=1)
    ends = [opening, *(min(month_end(month_start(as_of, n)), as_of) for n in reversed(range(months)))]
    balances = await repository.receivables(session, ends)
    for n, end in enumerate(ends):
        for code, cur, amount in balances[end]:
            await groups.add(f"e{n}", code, cur, amount)
    for code, cur, _, amount in await repository.sales(session, [opening + timedelta(days=1)], as_of):
        await groups.add("sales", code, cur, amount)
    days = (as_of - opening).days
    rows = []
    for key in sorted(groups.sums):
        name, cur = key
        result = turnover.turnover(
            groups.get(key, "sales"), [groups.get(key, f"e{n}") for n in range(len(ends))], days
        )
        rows.append(
            {
                "group": name,
                "currency": cur,
                "credit_sales": money(groups.get(key, "sales"), cur),
                "average_receivables": money(result.average_receivables, cur),
                "month_ends": [
                    {"day": end, "receivables": money(groups.get(key, f"e{n}"), cur)}
                    for n, end in enumerate(ends)
                ],
                "turnover": figure(result.ratio, Decimal("0.01")),
                "days": figure(result.days),
            }
        )
    return {
        "as_of": as_of,
        "period": {"first": opening + timedelta(days=1), "last": as_of, "days": days},
        "group_by": group_by,
        "rows": rows,
        "missing_rates": sorted(groups.missing),
    }


# Provisions ---------------------------------------------------------------------------------------
