from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models.credit_api import Reservation, TemporaryLimit
from shared.models.views import customer_receivables, open_alerts, order_invoicing


async def receivables(
    session: AsyncSession, customer_code: str
) -> list[tuple[str, Decimal, Decimal, date | None, Decimal]]:
    """Per currency: open receivables, overdue part, oldest overdue due date, unallocated cash."""
    v = customer_receivables.c
    rows = await session.execute(
        select(
            v.currency, v.open_receivables, v.overdue_receivables, v.oldest_due_date, v.unallocated_cash
        ).where(v.customer_code == customer_code)
    )
    return [(c, o, d, due, cash) for c, o, d, due, cash in rows.all()]


async def live_reservations(
    session: AsyncSession, customer_code: str, now: datetime
) -> Sequence[Reservation]:
    result = await session.execute(
        select(Reservation)
        .where(
            Reservation.customer_code == customer_code,
            Reservation.status == "active",
            Reservation.expires_at > now,
        )
        .order_by(Reservation.created_at)
    )
    return result.scalars().all()


async def invoiced(
    session: AsyncSession, customer_code: str, order_refs: Collection[str]
) -> list[tuple[str, str, Decimal]]:
    """(order_ref, currency, invoiced amount) of these orders, from the ledger."""
    if not order_refs:
        return []
    v = order_invoicing.c
    rows = await session.execute(
        select(v.order_ref, v.currency, v.invoiced_amount).where(
            v.customer_code == customer_code, v.order_ref.in_(order_refs)
        )
    )
    return [(o, c, a) for o, c, a in rows.all()]


async def temporary_limits(
    session: AsyncSession, customer_code: str, today: date
) -> Sequence[TemporaryLimit]:
    """Increases in force today or later; past ones no longer matter for a decision."""
    result = await session.execute(
        select(TemporaryLimit)
        .where(
            TemporaryLimit.customer_code == customer_code,
            TemporaryLimit.valid_until >= today,
        )
        .order_by(TemporaryLimit.valid_from)
    )
    return result.scalars().all()


async def alert_levels(session: AsyncSession, customer_code: str) -> list[tuple[str, str]]:
    rows = await session.execute(
        select(open_alerts.c.kind, open_alerts.c.level)
        .where(open_alerts.c.customer_code == customer_code)
        .order_by(open_alerts.c.raised_at)
    )
    return [(k, lv) for k, lv in rows.all()]
