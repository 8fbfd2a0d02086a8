"""What every report shares: the grouping of customers (portfolio, customer, industry, country,
grade, currency, top credit group) and conversion into the reporting currency by the FX table of
the as-of date (amounts in a currency without a rate are left out and the currency listed, never
guessed), month boundaries, and the printed forms of figures."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.credit.customers import service as customers
from services.credit_api.credit.fx_rates.service import Converter
from services.credit_api.finance.reports import repository
from services.credit_api.finance.reports.tabular import Column, Table
from shared.domain.behaviour import add_months
from shared.domain.errors import MissingFxRate
from shared.domain.money import format_amount

GroupBy = Literal["portfolio", "customer", "industry", "country", "grade", "currency", "credit_group"]
ZERO = Decimal(0)
DAYS = Decimal("0.1")
RATE = Decimal("0.000001")


@dataclass
class Groups:
    """Amounts summed per group, converted into the group's currency: the item's own when grouped by
    currency, else the reporting currency."""

    session: AsyncSession
    as_of: date
    group_by: GroupBy
    currency: str
    file: dict[str, repository.Filed]
    sums: dict[tuple[str, str], dict[str, Decimal]] = field(default_factory=dict)
    missing: set[str] = field(default_factory=set)
    customer: str | None = None
    _converters: dict[str, Converter] = field(default_factory=dict)
    _keys: dict[tuple[str, str], tuple[str, str] | None] = field(default_factory=dict)

    def key(self, code: str, item_currency: str) -> tuple[str, str] | None:
        if self.customer is not None and code != self.customer:
            return None
        if self.group_by == "currency":
            return item_currency, item_currency
        if self.group_by == "portfolio":
            return "portfolio", self.currency
        if self.group_by == "customer":
            return code, self.currency
        name = getattr(self.file.get(code, repository.UNFILED), self.group_by)
        return name or "(none)", self.currency

    async def value(self, amount: Decimal, item_currency: str, target: str) -> Decimal | None:
        convert = self._converters.setdefault(target, Converter(self.session, self.as_of, target))
        try:
            return await convert(amount, item_currency)
        except MissingFxRate:
            self.missing.add(item_currency)
            return None

    async def add(self, figure: str, code: str, item_currency: str, amount: Decimal) -> None:
        # Called once per row of a million-item scan: the group of a (customer, currency) is
        # worked out once, and an amount already in the group's currency is not converted.
        try:
            key = self._keys[code, item_currency]
        except KeyError:
            key = self._keys[code, item_currency] = self.key(code, item_currency)
        if key is None:
            return
        value = amount if item_currency == key[1] else await self.value(amount, item_currency, key[1])
        if value is not None:
            figures = self.sums.get(key)
            if figures is None:
                figures = self.sums[key] = defaultdict(lambda: ZERO)
            figures[figure] += value

    def get(self, key: tuple[str, str], figure: str) -> Decimal:
        return self.sums.get(key, {}).get(figure, ZERO)


async def groups_of(
    session: AsyncSession, as_of: date, group_by: GroupBy, currency: str, customer: str | None
) -> Groups:
    if customer is not None:
        await customers.get(session, customer)
    return Groups(session, as_of, group_by, currency, await repository.customers(session), customer=customer)


def month_start(day: date, back: int = 0) -> date:
    return add_months(day.replace(day=1), -back)


def month_end(first: date) -> date:
    return add_months(first, 1) - timedelta(days=1)


def figure(value: Decimal | None, places: Decimal = DAYS) -> str | None:
    return None if value is None else str(value.quantize(places))


def money(value: Decimal, currency: str) -> str:
    return format_amount(value, currency)


def flat(report: dict[str, Any], columns: Sequence[Column], title: str) -> Table:
    return Table(title, columns, [dict(r) for r in report["rows"]])
