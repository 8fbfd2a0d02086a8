from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models.credit_api import CreditGroupAlert, CreditGroupWarning


async def states(session: AsyncSession) -> dict[str, CreditGroupWarning]:
    """Every group's utilisation state, locked: one evaluation at a time moves them."""
    query = select(CreditGroupWarning).with_for_update()
    return {s.group_code: s for s in (await session.execute(query)).scalars()}


async def unresolved(session: AsyncSession, *, for_update: bool = True) -> dict[str, CreditGroupAlert]:
    query = select(CreditGroupAlert).where(CreditGroupAlert.status != "resolved")
    if for_update:
        query = query.with_for_update()
    return {a.group_code: a for a in (await session.execute(query)).scalars()}


async def add(session: AsyncSession, row: CreditGroupWarning | CreditGroupAlert) -> None:
    session.add(row)
    await session.flush()


async def of_group(session: AsyncSession, code: str) -> Sequence[CreditGroupAlert]:
    query = (
        select(CreditGroupAlert)
        .where(CreditGroupAlert.group_code == code)
        .order_by(CreditGroupAlert.opened_at.desc(), CreditGroupAlert.id)
    )
    return (await session.execute(query)).scalars().all()
