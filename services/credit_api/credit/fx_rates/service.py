from __future__ import annotations

from collections.abc import Collection
from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.access.audit.service import record
from services.credit_api.credit.fx_rates import repository
from services.credit_api.credit.fx_rates.schemas import FxPairOut, FxRatesInForce, FxRatesSet
from services.credit_api.kernel.principal import Principal
from shared.domain import fx
from shared.domain.money import minor_units, round_money


async def set_rates(session: AsyncSession, principal: Principal, day: date, body: FxRatesSet) -> None:
    for currency in (body.base, *body.rates):
        minor_units(currency)
    await repository.replace_day(session, day, body.base, dict(body.rates), principal.actor)
    await record(
        session,
        principal,
        "fx_rates.set",
        "fx_rates",
        f"{day.isoformat()}/{body.base}",
        before=None,
        after={"base": body.base, "rates": {q: str(r) for q, r in body.rates.items()}},
    )


async def in_force(session: AsyncSession, day: date) -> FxRatesInForce:
    rows = await repository.in_force(session, day)
    return FxRatesInForce(
        date=day,
        rates=[
            FxPairOut(base=r.base, quote=r.quote, rate=f"{r.rate:f}", rate_date=r.rate_date) for r in rows
        ],
    )


async def rates_for(session: AsyncSession, day: date, currencies: Collection[str] | None) -> fx.Rates:
    rows = await repository.in_force(session, day, currencies)
    return {(r.base, r.quote): r.rate for r in rows}


class Converter:
    """Converts into one target currency with the rates in force on a day, fetched once."""

    def __init__(
        self, session: AsyncSession, day: date, target: str, shared: dict[date, fx.Rates] | None = None
    ) -> None:
        """`shared`: rates already fetched, by day, for converters of one transaction to reuse."""
        self._session = session
        self._day = day
        self.target = target
        self._shared = {} if shared is None else shared

    async def __call__(self, amount: Decimal, source: str) -> Decimal:
        if source == self.target or amount == 0:
            return amount
        rates = self._shared.get(self._day)
        if rates is None:
            # Every pair that could bridge the two currencies, including crosses through a base.
            rates = self._shared[self._day] = await rates_for(self._session, self._day, None)
        return fx.convert(amount, source, self.target, rates)

    def rounded(self, amount: Decimal) -> Decimal:
        return round_money(amount, self.target)
