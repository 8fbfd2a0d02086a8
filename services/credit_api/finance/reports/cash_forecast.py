"""The cash expected in each of the next weeks from the open invoices, by their predicted payment
(`services/credit_api/credit/payment_predictions`), converted into each group's currency by the FX
table of the as-of date; its band is the 80 % interval of the sum (the variances converted with
the square of the rate)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.credit.payment_predictions import service as payment_predictions
from services.credit_api.finance.reports.common import GroupBy, groups_of, money
from services.credit_api.finance.reports.tabular import Column, Table
from shared.domain.prediction import Weeks

COLUMNS = [
    Column("group"),
    Column("currency"),
    Column("week", "number"),
    Column("first", "date"),
    Column("last", "date"),
    Column("expected", "amount"),
    Column("low", "amount"),
    Column("high", "amount"),
]


async def report(
    session: AsyncSession,
    as_of: date,
    weeks: int,
    group_by: GroupBy,
    currency: str,
    customer: str | None = None,
) -> dict[str, Any]:
    groups = await groups_of(session, as_of, group_by, currency, customer)
    cash = await payment_predictions.cash_in(session, as_of, weeks, customer)
    expected: dict[tuple[str, str], Any] = {}
    variance: dict[tuple[str, str], Any] = {}
    disputed: dict[tuple[str, str], float] = {}
    for n, (code, cur) in enumerate(cash.pairs):
        key = groups.key(code, cur)
        if key is None:
            continue
        rate = 1.0 if cur == key[1] else await groups.value(Decimal(1), cur, key[1])
        if rate is None:
            continue
        rate = float(rate)
        expected[key] = expected.get(key, 0.0) + rate * cash.weeks.expected[n]
        variance[key] = variance.get(key, 0.0) + rate * rate * cash.weeks.variance[n]
        disputed[key] = disputed.get(key, 0.0) + rate * cash.disputed.get((code, cur), 0.0)
    rows = []
    for key in sorted(expected):
        name, cur = key
        low, high = Weeks(expected[key], variance[key]).band()
        rows.append(
            {
                "group": name,
                "currency": cur,
                "weeks": [
                    {
                        "week": w + 1,
                        "first": as_of + timedelta(days=7 * w + 1),
                        "last": as_of + timedelta(days=7 * (w + 1)),
                        "expected": money(Decimal(float(expected[key][w])), cur),
                        "low": money(Decimal(float(low[w])), cur),
                        "high": money(Decimal(float(high[w])), cur),
                    }
                    for w in range(weeks)
                ],
                "within": money(Decimal(float(np.sum(expected[key][:weeks]))), cur),
                "later": money(Decimal(float(expected[key][weeks])), cur),
                "disputed": money(Decimal(disputed[key]), cur),
            }
        )
    return {
        "as_of": as_of,
        "weeks": weeks,
        "group_by": group_by,
        "rows": rows,
        "missing_rates": sorted(groups.missing),
    }


def table(report: dict[str, Any]) -> Table:
    return Table(
        "cash-forecast",
        COLUMNS,
        [{"group": r["group"], "currency": r["currency"], **w} for r in report["rows"] for w in r["weeks"]],
    )
