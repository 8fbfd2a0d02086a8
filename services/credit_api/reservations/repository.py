from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models.credit_api import Reservation


async def active_for_order(session: AsyncSession, customer_code: str, order_ref: str) -> Reservation | None:
    result = await session.execute(
        select(Reservation).where(
            Reservation.customer_code == customer_code,
            Reservation.order_ref == order_ref,
            Reservation.status == "active",
        )
    )
    return result.scalar_one_or_none()


async def get(session: AsyncSession, reservation_id: uuid.UUID) -> Reservation | None:
    return await session.get(Reservation, reservation_id)


async def add(session: AsyncSession, reservation: Reservation) -> None:
    session.add(reservation)
    await session.flush()


async def expire_due(session: AsyncSession, now: datetime) -> int:
    result = await session.execute(
        update(Reservation)
        .where(
            Reservation.status == "active",
            Reservation.expires_at <= now,
        )
        .values(status="expired", released_at=now, release_reason="expired")
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
