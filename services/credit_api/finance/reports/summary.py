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
from services.credit_api.finance.reports.provisions import default_rates, specific_losses
from shared.domain import dso, insurance, provisions
from shared.domain.money import round_money


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
    for grade, by_name, cur, index, amount, floored in graded:
        converted = await value(amount, cur)
        if converted is None:
            continue
        by_grade.setdefault(grade or "(none)", [ZERO] * len(labels))[index] += converted
        if not by_name:
            in_matrix[index] += await value(floored, cur) or ZERO
    # As the report prints it: each bucket's loss to the cent, on balances floored per customer.
    lines = provisions.matrix(
        dict(zip(labels, in_matrix, strict=True)), dict(zip(labels, rates, strict=True))
    )
    provision = sum((round_money(line.loss, currency) for line in lines.lines), ZERO)
    owed: dict[str, Decimal] = defaultdict(lambda: ZERO)
    by_currency: dict[tuple[str, str], Decimal] = {}
    for code, cur, amount in totals:
        if code in specific:
            by_currency[code, cur] = amount
        converted = await value(amount, cur)
        if converted is not None:
            owed[code] += converted

    special = ZERO
    for _, cur, loss in await specific_losses(specific, by_currency, groups.value):
        special += await value(loss, cur) or ZERO
    provision += round_money(special, currency)
    insured_total = ZERO
    for code, total in owed.items():
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
