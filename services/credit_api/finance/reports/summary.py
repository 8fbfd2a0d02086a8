"""The headline figures of the reports from one scan of the items, for the console's portfolio page."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.credit.exposure import repository as covers
from services.credit_api.finance.reports import repository
from services.credit_api.finance.reports.common import ZERO, Groups
from services.credit_api.finance.reports.provisions import default_rates
from shared.domain import dso, insurance, provisions


@dataclass(frozen=True)
class Summary:
    receivables: Decimal
    not_due: Decimal
    dso: Decimal | None
    provision: Decimal
    insured: Decimal
    labels: list[str]
    by_grade: dict[str, list[Decimal]]  # bucket balances per grade ("(none)": not graded)
    missing_rates: list[str]


async def summary(session: AsyncSession, as_of: date, currency: str) -> Summary:
    """The headline figures of the reports from one scan of the items: receivables and what is not
    yet due, standard DSO over 90 days, the provision by the shipped matrix (and specific
    provisions), the insured part, and ageing by grade; each as its report computes it."""
    buckets, rates = default_rates()
    labels = buckets.labels
    groups = Groups(session, as_of, "portfolio", currency, {})
    specific = {s.customer_code: s for s in await repository.specific_provisions(session)}
    named, default = await covers.covers_on(session, as_of)
    graded, totals = await repository.overview(session, as_of, buckets.bounds, sorted(specific))

    async def value(amount: Decimal, cur: str) -> Decimal | None:
        return amount if cur == currency else await groups.value(amount, cur, currency)

    by_grade: dict[str, list[Decimal]] = {}
    in_matrix = [ZERO] * len(labels)
    for grade, by_name, cur, index, amount in graded:
        converted = await value(amount, cur)
        if converted is None:
            continue
        by_grade.setdefault(grade or "(none)", [ZERO] * len(labels))[index] += converted
        if not by_name:
            in_matrix[index] += converted
    # As the report does it: the matrix over the bucket balances summed first.
    provision = provisions.matrix(
        dict(zip(labels, in_matrix, strict=True)), dict(zip(labels, rates, strict=True))
    ).total
    owed: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for code, cur, amount in totals:
        converted = await value(amount, cur)
        if converted is not None:
            owed[code] += converted
    insured_total = ZERO
    for code, total in owed.items():
        chosen = specific.get(code)
        if chosen is not None and chosen.rate is not None:
            provision += provisions.Specific(code, rate=chosen.rate).loss(total)
        elif chosen is not None:
            cap = await value(chosen.amount or ZERO, chosen.currency or currency) or ZERO
            provision += provisions.Specific(code, amount=cap).loss(total)
        cover = named.get(code, default)
        if cover is not None:
            limit = await value(cover.amount, cover.currency) or ZERO
            insured_total += insurance.insured(total, limit, cover.indemnity).insured
    sales = ZERO
    for _, cur, _, amount in await repository.sales(session, [as_of - timedelta(days=89)], as_of):
        sales += await value(amount, cur) or ZERO
    receivables = sum(owed.values(), ZERO)
    not_due = sum((amounts[0] for amounts in by_grade.values()), ZERO)
    return Summary(
        receivables,
        not_due,
        dso.standard(receivables, sales, 90),
        provision,
        insured_total,
        labels,
        by_grade,
        sorted(groups.missing),
    )
