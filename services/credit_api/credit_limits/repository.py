from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
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
