from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.kernel.pagination import keyset
from shared.models.credit_api import CreditHold


async def open_for_order(session: AsyncSession, customer_code: str, order_ref: str) -> CreditHold | None:
    result = await session.execute(
        select(CreditHold).where(
            CreditHold.customer_code == customer_code,
            CreditHold.order_ref == order_ref,
            CreditHold.status == "open",
        )
    )
    return result.scalars().first()


async def open_for_customer(session: AsyncSession, customer_code: str) -> Sequence[CreditHold]:
    """Oldest first: the order that waited longest is considered first."""
    result = await session.execute(
        select(CreditHold)
        .where(
            CreditHold.customer_code == customer_code,
            CreditHold.status == "open",
        )
        .order_by(CreditHold.created_at, CreditHold.id)
    )
    return result.scalars().all()


async def get(session: AsyncSession, hold_id: uuid.UUID) -> CreditHold | None:
    return await session.get(CreditHold, hold_id)


async def add(session: AsyncSession, hold: CreditHold) -> None:
    session.add(hold)
    await session.flush()


async def page(
    session: AsyncSession,
    *,
    status: str | None,
    customer_code: str | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> Sequence[CreditHold]:
    query = keyset(
        select(CreditHold),
        (CreditHold.created_at, CreditHold.id),
        {CreditHold.status: status, CreditHold.customer_code: customer_code},
        after,
        limit,
    )
    return (await session.execute(query)).scalars().all()


async def settle_open_for_order(
    session: AsyncSession, customer_code: str, order_ref: str, now: datetime, actor: str, note: str
) -> None:
    await session.execute(
        update(CreditHold)
        .where(
            CreditHold.customer_code == customer_code,
            CreditHold.order_ref == order_ref,
            CreditHold.status == "open",
        )
        .values(status="released", resolved_at=now, resolved_by=actor, resolution_note=note)
    )
