"""Ageing as of any date, per customer and for the portfolio, in the credit currency by the FX table."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.credit.customers import service as customers
from services.credit_api.credit.fx_rates.service import Converter
from services.credit_api.finance.ageing import repository
from services.credit_api.finance.ageing.schemas import (
    AgeingOut,
    BucketAmount,
    PortfolioOut,
    PortfolioRow,
    Unconverted,
)
from shared.domain.ageing import Buckets, age, reference_date
from shared.domain.errors import MissingFxRate
from shared.domain.money import format_amount

ZERO = Decimal(0)


async def customer_ageing(
    session: AsyncSession, customer_code: str, as_of: date, basis: str, buckets: Buckets
) -> AgeingOut:
    customer = await customers.get(session, customer_code)
    cur = customer.currency
    convert = Converter(session, as_of, cur)
    by_currency: defaultdict[str, list[tuple[Decimal, date]]] = defaultdict(list)
    for _, currency, issued, due, amount in await repository.customer_items(session, customer_code, as_of):
        by_currency[currency].append((amount, reference_date(basis, issued, due)))
    totals = dict.fromkeys(buckets.labels, ZERO)
    missing: set[str] = set()
    unconverted = []
    for currency, items in sorted(by_currency.items()):
        try:
            for label, amount in age(items, as_of, buckets).items():
                totals[label] += await convert(amount, currency)
        except MissingFxRate:
            missing.add(currency)
            unconverted.append(
                Unconverted(
                    currency=currency, amount=format_amount(sum((a for a, _ in items), ZERO), currency)
                )
            )
    account = {"cash": ZERO, "credit": ZERO}
    for _, kind, currency, amount in await repository.on_account(session, as_of, customer_code):
        try:
            account[kind] += await convert(amount, currency)
        except MissingFxRate:
            missing.add(currency)
    return AgeingOut(
        customer_code=customer_code,
        as_of=as_of,
        basis=basis,
        currency=cur,
        buckets=[
            BucketAmount(bucket=label, amount=format_amount(amount, cur)) for label, amount in totals.items()
        ],
        total=format_amount(sum(totals.values(), ZERO), cur),
        unallocated_cash=format_amount(account["cash"], cur),
        unapplied_credit=format_amount(account["credit"], cur),
        missing_rates=sorted(missing),
        unconverted=unconverted,
    )


async def portfolio(
    session: AsyncSession,
    as_of: date,
    basis: str,
    buckets: Buckets,
    group_by: str,
    report_currency: str,
) -> PortfolioOut:
    labels = buckets.labels
    # Per group: the bucket amounts, then unallocated cash and unapplied credit as the last two.
    groups: dict[tuple[str, str], list[Decimal]] = {}
    converters: dict[str, Converter] = {}
    missing: set[str] = set()
    items = await repository.portfolio(session, as_of, buckets.bounds, basis)
    customer_data = {code: (ccy, industry) for code, ccy, industry, *_ in items}

    async def add(
        customer: str,
        credit_ccy: str | None,
        industry: str | None,
        currency: str,
        index: int,
        amount: Decimal,
    ) -> None:
        if group_by == "currency":
            key, target = currency, currency
        elif group_by == "customer":
            key, target = customer, credit_ccy or currency
        else:
            key, target = industry or "(none)", report_currency
        convert = converters.setdefault(target, Converter(session, as_of, target))
        try:
            value = await convert(amount, currency)
        except MissingFxRate:
            missing.add(currency)
            return
        groups.setdefault((key, target), [ZERO] * (len(labels) + 2))[index] += value

    for customer, credit_ccy, industry, item_ccy, index, amount in items:
        await add(customer, credit_ccy, industry, item_ccy, index, amount)
    for customer, kind, currency, amount, credit_ccy, industry in await repository.on_account_with_customers(
        session, as_of
    ):
        known = customer_data.get(customer, (credit_ccy, industry))
        await add(customer, known[0], known[1], currency, len(labels) + (kind == "credit"), amount)
    rows = [
        PortfolioRow(
            group=key,
            currency=target,
            total=format_amount(sum(values[:-2], ZERO), target),
            buckets=[
                BucketAmount(bucket=label, amount=format_amount(v, target))
                for label, v in zip(labels, values, strict=False)
            ],
            unallocated_cash=format_amount(values[-2], target),
            unapplied_credit=format_amount(values[-1], target),
        )
        for (key, target), values in sorted(groups.items())
    ]
    return PortfolioOut(as_of=as_of, basis=basis, group_by=group_by, rows=rows, missing_rates=sorted(missing))


def customer_csv(ageing: AgeingOut) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["customer_code", "as_of", "basis", "currency", "line", "amount"])
    head = [ageing.customer_code, ageing.as_of.isoformat(), ageing.basis, ageing.currency]
    for line in ageing.buckets:
        writer.writerow([*head, line.bucket, line.amount])
    for name in ("total", "unallocated_cash", "unapplied_credit"):
        writer.writerow([*head, name, getattr(ageing, name)])
    for missing in ageing.unconverted:
        writer.writerow([*head[:3], missing.currency, "unconverted", missing.amount])
    return out.getvalue()


def portfolio_csv(report: PortfolioOut) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    labels = [b.bucket for b in report.rows[0].buckets] if report.rows else []
    writer.writerow([report.group_by, "currency", *labels, "total", "unallocated_cash", "unapplied_credit"])
    for row in report.rows:
        writer.writerow(
            [
                row.group,
                row.currency,
                *(b.amount for b in row.buckets),
                row.total,
                row.unallocated_cash,
                row.unapplied_credit,
            ]
        )
    return out.getvalue()


async def open_items(
    session: AsyncSession, customer_code: str, as_of: date
) -> list[tuple[str, str, date, date, Decimal]]:
    """(item, currency, issue date, due date, open amount) of a customer's items open on the date."""
    return await repository.customer_items(session, customer_code, as_of)
