from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models.credit_api import Customer, PortalLink


async def customer_exists(session: AsyncSession, customer_code: str) -> bool:
    return bool(await session.scalar(select(exists().where(Customer.customer_code == customer_code))))


async def add(session: AsyncSession, link: PortalLink) -> None:
    session.add(link)
    await session.flush()


async def get(session: AsyncSession, link_id: uuid.UUID) -> PortalLink | None:
    return await session.get(PortalLink, link_id)


async def of_customer(session: AsyncSession, customer_code: str) -> Sequence[PortalLink]:
    """The latest first."""
    query = (
        select(PortalLink)
        .where(PortalLink.customer_code == customer_code)
        .order_by(PortalLink.created_at.desc(), PortalLink.id)
    )
    return (await session.execute(query)).scalars().all()
