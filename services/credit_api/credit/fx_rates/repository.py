from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models.credit_api import FxRate


async def replace_day(
    session: AsyncSession, day: date, base: str, rates: dict[str, Decimal], actor: str
) -> None:
    await session.execute(delete(FxRate).where(FxRate.rate_date == day, FxRate.base == base))
    if rates:
        await session.execute(
            insert(FxRate).values(
                [
                    {"rate_date": day, "base": base, "quote": quote, "rate": rate, "set_by": actor}
                    for quote, rate in rates.items()
                ]
            )
        )


async def in_force(
    session: AsyncSession, day: date, currencies: Collection[str] | None = None
) -> Sequence[FxRate]:
    """Per currency pair (touching `currencies`, if given), the rate of the latest date on or before `day`."""
    latest = select(FxRate.base, FxRate.quote, func.max(FxRate.rate_date).label("rate_date")).where(
        FxRate.rate_date <= day
    )
    if currencies is not None:
        latest = latest.where(or_(FxRate.base.in_(currencies), FxRate.quote.in_(currencies)))
    subquery = latest.group_by(FxRate.base, FxRate.quote).subquery()
    rows = await session.execute(
        select(FxRate)
        .join(
            subquery,
            and_(
                FxRate.base == subquery.c.base,
                FxRate.quote == subquery.c.quote,
                FxRate.rate_date == subquery.c.rate_date,
            ),
        )
        .order_by(FxRate.base, FxRate.quote)
    )
    return rows.scalars().all()
