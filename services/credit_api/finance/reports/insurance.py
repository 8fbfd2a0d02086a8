"""Insured against uninsured exposure by policy and cover (`shared/domain/insurance.py`)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.credit.exposure import repository as covers
from services.credit_api.finance.reports import repository
from services.credit_api.finance.reports.common import ZERO, GroupBy, Groups, groups_of, money
from services.credit_api.finance.reports.tabular import Column
from shared.domain import insurance
from shared.domain.ageing import Buckets
from shared.domain.money import round_money

COLUMNS = [
    Column("group"),
    Column("currency"),
    Column("exposure", "amount"),
    Column("cover", "amount"),
    Column("insured", "amount"),
    Column("uninsured", "amount"),
    Column("over_cover", "amount"),
]


@dataclass(frozen=True)
class CustomerInsurance:
    customer_code: str
    currency: str  # of the figures: the cover's, or the reporting currency without one
    result: insurance.Insured
    cover: covers.Cover | None


async def insured_of(
    session: AsyncSession, as_of: date, currency: str, groups: Groups
) -> list[CustomerInsurance]:
    """Each customer's receivables as of the date against its cover in force (in the cover's
    currency)."""
    named, default = await covers.covers_on(session, as_of)
    owed: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
    for code, cur, _, amount in (await repository.buckets(session, [as_of], Buckets().bounds))[as_of]:
        if groups.customer is None or code == groups.customer:
            owed[code].append((cur, amount))
    found = []
    for code in sorted(owed):
        cover = named.get(code, default)
        target = cover.currency if cover is not None else currency
        values = [await groups.value(amount, cur, target) for cur, amount in owed[code]]
        if all(v is None for v in values):
            continue  # nothing of it converts: listed under missing_rates, not shown as zero
        exposure = sum((v for v in values if v is not None), ZERO)
        result = (
            insurance.insured(exposure, cover.amount, cover.indemnity)
            if cover is not None
            else insurance.insured(exposure, ZERO, ZERO)
        )
        found.append(CustomerInsurance(code, target, result, cover))
    return found


async def report(
    session: AsyncSession,
    as_of: date,
    group_by: GroupBy,
    currency: str,
    customer: str | None = None,
    expiring_days: int = 30,
) -> dict[str, Any]:
    """Insured exposure = min(exposure, cover) × indemnity; the rest uninsured. Exposure: the open
    receivables as of the date."""
    groups = await groups_of(session, as_of, group_by, currency, customer)
    covered = await insured_of(session, as_of, currency, groups)
    for c in covered:
        r = c.result
        for figure, value in (
            ("exposure", max(r.exposure, ZERO)),
            ("cover", max(r.cover, ZERO)),
            ("insured", r.insured),
            ("over_cover", r.over_cover),
        ):
            await groups.add(figure, c.customer_code, c.currency, value)
    rows = []
    for name, cur in sorted(groups.sums):
        # Printed to the cent, and footing: what is uninsured is the printed exposure less the
        # printed insured part.
        exposure = round_money(groups.get((name, cur), "exposure"), cur)
        insured = round_money(groups.get((name, cur), "insured"), cur)
        rows.append(
            {
                "group": name,
                "currency": cur,
                "exposure": money(exposure, cur),
                "cover": money(groups.get((name, cur), "cover"), cur),
                "insured": money(insured, cur),
                "uninsured": money(exposure - insured, cur),
                "over_cover": money(groups.get((name, cur), "over_cover"), cur),
            }
        )
    soon = as_of + timedelta(days=expiring_days)
    return {
        "as_of": as_of,
        "group_by": group_by,
        "rows": rows,
        "over_cover": [
            {
                "customer_code": c.customer_code,
                "currency": c.currency,
                "exposure": money(c.result.exposure, c.currency),
                "cover": money(c.result.cover, c.currency),
                "over_cover": money(c.result.over_cover, c.currency),
                "cover_source": None if c.cover is None else c.cover.source,
            }
            for c in covered
            if c.result.over_cover > 0
        ],
        "expiring": [
            {
                "customer_code": c.customer_code,
                "policy_number": c.cover.policy_number,
                "cover": money(c.cover.amount, c.cover.currency),
                "currency": c.cover.currency,
                "valid_to": c.cover.valid_to,
            }
            for c in covered
            if c.cover is not None
            and c.cover.source == "named"
            and c.cover.valid_to is not None
            and c.cover.valid_to <= soon
        ],
        "missing_rates": sorted(groups.missing),
    }


# Top risks ----------------------------------------------------------------------------------------
