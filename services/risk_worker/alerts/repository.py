from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models.risk_worker import Alert, Balance
from shared.models.views import customer_credit


async def credit_standing(
    session: AsyncSession, customers: Collection[str]
) -> list[tuple[str, str, Decimal | None, datetime | None, Decimal]]:
    """Per customer: credit currency, limit and its end, and open receivables in that currency."""
    receivables = (
        select(func.coalesce(func.sum(Balance.open_receivables), 0))
        .where(
            Balance.customer_code == customer_credit.c.customer_code,
            Balance.currency == customer_credit.c.currency,
        )
        .scalar_subquery()
    )
    rows = await session.execute(
        select(
            customer_credit.c.customer_code,
            customer_credit.c.currency,
            customer_credit.c.limit_amount,
            customer_credit.c.limit_valid_until,
            receivables,
        ).where(customer_credit.c.customer_code.in_(customers))
    )
    return [tuple(row) for row in rows.all()]


async def open_alerts(session: AsyncSession, customers: Collection[str], kind: str) -> dict[str, Alert]:
    result = await session.execute(
        select(Alert).where(
            Alert.customer_code.in_(customers), Alert.kind == kind, Alert.status != "resolved"
        )
    )
    return {alert.customer_code: alert for alert in result.scalars()}


async def add(session: AsyncSession, alert: Alert) -> None:
    session.add(alert)
    await session.flush()


async def resolve(session: AsyncSession, alert: Alert) -> None:
    await session.execute(
        update(Alert).where(Alert.id == alert.id).values(status="resolved", resolved_at=datetime.now(UTC))
    )
