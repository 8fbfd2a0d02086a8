from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shared.models.credit_api import SpecificProvision


async def specific_provision(session: AsyncSession, customer_code: str) -> SpecificProvision | None:
    return await session.get(SpecificProvision, customer_code, with_for_update=True)


async def save_specific(session: AsyncSession, provision: SpecificProvision) -> None:
    await session.merge(provision)
    await session.flush()


async def delete_specific(session: AsyncSession, provision: SpecificProvision) -> None:
    await session.delete(provision)
    await session.flush()
