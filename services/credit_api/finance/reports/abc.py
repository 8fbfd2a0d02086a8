"""ABC classification of customers by sales (`shared/domain/abc.py`), and applying it to the credit file."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.access.audit.service import record_many
from services.credit_api.finance.reports import repository
from services.credit_api.finance.reports.common import RATE, ZERO, Groups, figure, money
from services.credit_api.finance.reports.tabular import Column
from services.credit_api.kernel.principal import Principal
from shared.domain import abc

COLUMNS = [
    Column("customer_code"),
    Column("currency"),
    Column("credit_sales", "amount"),
    Column("share", "rate"),
    Column("cumulative", "rate"),
    Column("abc_class"),
    Column("previous_class"),
    Column("class_in_file"),
]


async def report(
    session: AsyncSession, as_of: date, period_days: int, a: Decimal, b: Decimal, currency: str
) -> dict[str, Any]:
    groups = Groups(session, as_of, "customer", currency, await repository.customers(session))
    start = as_of - timedelta(days=period_days - 1)
    previous_start = start - timedelta(days=period_days)
    current, previous = (
        await _sales_by_customer(session, groups, start, as_of),
        await _sales_by_customer(session, groups, previous_start, start - timedelta(days=1)),
    )
    for code in groups.file:
        current.setdefault(code, ZERO)
        previous.setdefault(code, ZERO)
    before = {r.customer_code: r.abc_class for r in abc.classify(previous, a, b)}
    rows = [
        {
            "customer_code": r.customer_code,
            "currency": currency,
            "credit_sales": money(r.sales, currency),
            "share": figure(r.share, RATE),
            "cumulative": figure(r.cumulative, RATE),
            "abc_class": r.abc_class,
            "previous_class": before.get(r.customer_code),
            "class_in_file": groups.file.get(r.customer_code, repository.UNFILED).abc_class,
            "changed": before.get(r.customer_code) != r.abc_class,
        }
        for r in abc.classify(current, a, b)
    ]
    return {
        "as_of": as_of,
        "period": {"first": start, "last": as_of, "days": period_days},
        "previous_period": {"first": previous_start, "last": start - timedelta(days=1)},
        "cut_offs": {"a": str(a), "b": str(b)},
        "rows": rows,
        "missing_rates": sorted(groups.missing),
    }


async def _sales_by_customer(
    session: AsyncSession, groups: Groups, first: date, last: date
) -> dict[str, Decimal]:
    found: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for code, cur, _, amount in await repository.sales(session, [first], last):
        value = await groups.value(amount, cur, groups.currency)
        if value is not None:
            found[code] += value
    return dict(found)


async def apply_abc(session: AsyncSession, principal: Principal, report: dict[str, Any]) -> int:
    """Writes the classes into the credit file; each change audited. Returns how many changed."""
    changes = {
        r["customer_code"]: r["abc_class"] for r in report["rows"] if r["class_in_file"] != r["abc_class"]
    }
    await repository.set_abc_classes(session, changes)
    file = {r["customer_code"]: r["class_in_file"] for r in report["rows"]}
    await record_many(
        session,
        principal,
        "customer.abc_classified",
        "customer",
        [(code, {"abc_class": file[code]}, {"abc_class": cls}) for code, cls in changes.items()],
    )
    return len(changes)
