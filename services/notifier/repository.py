from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models.notifier import Delivery
from shared.models.views import customer_credit, statement_documents


async def customer(session: AsyncSession, customer_code: str) -> dict[str, Any] | None:
    row = (
        await session.execute(
            select(customer_credit.c.name, customer_credit.c.language, customer_credit.c.contacts).where(
                customer_credit.c.customer_code == customer_code
            )
        )
    ).one_or_none()
    return None if row is None else dict(row._mapping)


async def statement_pdf(session: AsyncSession, customer_code: str, start: date, end: date) -> bytes | None:
    s = statement_documents.c
    query = select(s.pdf).where(s.customer_code == customer_code, s.period_from == start, s.period_to == end)
    found: bytes | None = (await session.execute(query)).scalar_one_or_none()
    return found


async def add_deliveries(session: AsyncSession, deliveries: Sequence[dict[str, Any]]) -> None:
    if deliveries:
        await session.execute(insert(Delivery).values(list(deliveries)).on_conflict_do_nothing())


async def claim_due(session: AsyncSession, limit: int, lease: timedelta) -> Sequence[Delivery]:
    """Due deliveries, taken for `lease`: other notifier replicas skip them until it runs out."""
    due = (
        select(Delivery.id)
        .where(Delivery.status == "pending", Delivery.next_attempt_at <= func.now())
        .order_by(Delivery.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = (
        update(Delivery)
        .where(Delivery.id.in_(due.scalar_subquery()))
        .values(next_attempt_at=func.now() + lease)
        .returning(Delivery)
    )
    return (await session.execute(claimed)).scalars().all()


async def mark_sent(session: AsyncSession, delivery_id: uuid.UUID) -> None:
    await session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(status="sent", attempts=Delivery.attempts + 1, sent_at=func.now(), last_error=None)
    )


async def mark_attempt_failed(
    session: AsyncSession, delivery_id: uuid.UUID, error: str, *, retry_at: datetime | None
) -> None:
    await session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(
            status="pending" if retry_at else "failed",
            attempts=Delivery.attempts + 1,
            last_error=error[:1000],
            next_attempt_at=retry_at or func.now(),
        )
    )
