from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models.credit_api import TemporaryLimit


async def add(session: AsyncSession, limit: TemporaryLimit) -> None:
    session.add(limit)
    await session.flush()


async def overlapping(
    session: AsyncSession, customer_code: str, start: date, end: date
) -> Sequence[TemporaryLimit]:
    result = await session.execute(
        select(TemporaryLimit).where(
            TemporaryLimit.customer_code == customer_code,
            TemporaryLimit.valid_from <= end,
            TemporaryLimit.valid_until >= start,
        )
    )
    return result.scalars().all()


async def for_customer(session: AsyncSession, customer_code: str) -> Sequence[TemporaryLimit]:
    result = await session.execute(
        select(TemporaryLimit)
        .where(TemporaryLimit.customer_code == customer_code)
        .order_by(TemporaryLimit.valid_from.desc(), TemporaryLimit.created_at.desc())
    )
    return result.scalars().all()
