from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models.credit_api import CreditLimit


async def supersede_current(session: AsyncSession, customer_code: str, at: datetime) -> None:
    await session.execute(
        update(CreditLimit)
        .where(
            CreditLimit.customer_code == customer_code,
            CreditLimit.superseded_at.is_(None),
        )
        .values(superseded_at=at)
    )


async def add(session: AsyncSession, limit: CreditLimit) -> None:
    session.add(limit)
    await session.flush()


async def history(session: AsyncSession, customer_code: str) -> Sequence[CreditLimit]:
    result = await session.execute(
        select(CreditLimit)
        .where(CreditLimit.customer_code == customer_code)
        .order_by(CreditLimit.set_at.desc(), CreditLimit.id.desc())
    )
    return result.scalars().all()
