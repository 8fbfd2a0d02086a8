"""DSO by the countback and standard methods, with the collection effectiveness index
(`shared/domain/dso.py`)."""

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
from shared.domain import dso
from shared.domain.ageing import Buckets

COLUMNS = [
    Column("group"),
    Column("currency"),
    Column("receivables", "amount"),
    Column("not_due", "amount"),
    Column("credit_sales", "amount"),
    Column("period_days", "number"),
    Column("dso", "days"),
    Column("countback_dso", "days"),
    Column("best_possible_dso", "days"),
    Column("average_days_delinquent", "days"),
    Column("beginning_receivables", "amount"),
    Column("cei_percent", "number"),
]


async def report(
    session: AsyncSession,
    as_of: date,
    period_days: int,
    group_by: GroupBy,
    currency: str,
    customer: str | None = None,
    countback_days: int | None = None,
    countback_periods: int = 12,
) -> dict[str, Any]:
    """Countback over calendar months, or over periods of `countback_days` days ending on the
    as-of date."""
    groups = await groups_of(session, as_of, group_by, currency, customer)
    start = as_of - timedelta(days=period_days - 1)
    for code, cur, index, amount in (await repository.buckets(session, [as_of], Buckets().bounds))[as_of]:
        await groups.add("receivables", code, cur, amount)
        if index == 0:
            await groups.add("not_due", code, cur, amount)
    for code, cur, amount in (await repository.receivables(session, [start - timedelta(days=1)]))[
        start - timedelta(days=1)
    ]:
        await groups.add("beginning", code, cur, amount)
    if countback_days is None:
        months = [
            (month_start(as_of, n), min(month_end(month_start(as_of, n)), as_of))
            for n in range(countback_periods)
        ]
    else:
        months = [
            (as_of - timedelta(days=(n + 1) * countback_days - 1), as_of - timedelta(days=n * countback_days))
            for n in range(countback_periods)
        ]
    starts = sorted(first for first, _ in months)
    for code, cur, period, amount in await repository.sales(session, starts, as_of):
        await groups.add(f"m{len(months) - 1 - period}", code, cur, amount)
    for code, cur, _, amount in await repository.sales(session, [start], as_of):
        await groups.add("sales", code, cur, amount)
    rows = []
    for key in sorted(groups.sums):
        name, cur = key

        def get(figure: str, key: tuple[str, str] = key) -> Decimal:
            return groups.get(key, figure)

        sales = get("sales")
        receivables, current = get("receivables"), get("not_due")
        standard = dso.standard(receivables, sales, period_days)
        best = dso.best_possible(current, sales, period_days)
        back = dso.countback(
            receivables,
            [dso.Month(first, last, get(f"m{n}")) for n, (first, last) in enumerate(months)],
        )
        cei = dso.collection_effectiveness(get("beginning"), sales, receivables, current)
        rows.append(
            {
                "group": name,
                "currency": cur,
                "receivables": money(receivables, cur),
                "not_due": money(current, cur),
                "credit_sales": money(sales, cur),
                "period_days": period_days,
                "dso": figure(standard),
                "countback_dso": figure(back.dso),
                "countback_complete": back.exhausted,
                "best_possible_dso": figure(best),
                "average_days_delinquent": figure(dso.average_days_delinquent(standard, best)),
                "beginning_receivables": money(get("beginning"), cur),
                "cei_percent": figure(cei, Decimal("0.01")),
            }
        )
    return {
        "as_of": as_of,
        "period": {"first": start, "last": as_of, "days": period_days},
        "countback": "calendar months" if countback_days is None else f"{countback_days}-day periods",
        "group_by": group_by,
        "rows": rows,
        "missing_rates": sorted(groups.missing),
    }


# Turnover -----------------------------------------------------------------------------------------


async def trend(session: AsyncSession, as_of: date, months: int, currency: str) -> list[dict[str, Any]]:
    """The portfolio's DSO and CEI at each of the last `months` month-ends before the date, each
    over its own month: receivables at the month-end over the month's credit sales × its days; CEI
    from the receivables at the month-end before. Two scans whatever the number of months."""
    firsts = [month_start(as_of, n) for n in range(months, 0, -1)]
    ends = [month_end(first) for first in firsts]
    days = [firsts[0] - timedelta(days=1), *ends]
    groups = await groups_of(session, as_of, "portfolio", currency, None)
    owed = await repository.buckets(session, days, ())
    for n, day in enumerate(days):
        for code, cur, index, amount in owed[day]:
            await groups.add(f"r{n}", code, cur, amount)
            if index == 0:
                await groups.add(f"c{n}", code, cur, amount)
    for code, cur, period, amount in await repository.sales(session, firsts, ends[-1]):
        await groups.add(f"s{period + 1}", code, cur, amount)
    key = ("portfolio", currency)
    found = []
    for n, end in enumerate(ends, start=1):
        sales, receivables = groups.get(key, f"s{n}"), groups.get(key, f"r{n}")
        cei = dso.collection_effectiveness(
            groups.get(key, f"r{n - 1}"), sales, receivables, groups.get(key, f"c{n}")
        )
        found.append(
            {
                "month_end": end,
                "dso": figure(dso.standard(receivables, sales, end.day)),
                "cei_percent": figure(cei, Decimal("0.01")),
            }
        )
    return found
