from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models.credit_api import InsuranceCover, InsurancePolicy


async def policy(session: AsyncSession, number: str) -> InsurancePolicy | None:
    return await session.get(InsurancePolicy, number, with_for_update=True)


async def policies(session: AsyncSession) -> Sequence[InsurancePolicy]:
    return (
        (await session.execute(select(InsurancePolicy).order_by(InsurancePolicy.policy_number)))
        .scalars()
        .all()
    )


async def add(session: AsyncSession, row: InsurancePolicy | InsuranceCover) -> None:
    session.add(row)
    await session.flush()


async def covers_of(session: AsyncSession, customer_code: str) -> Sequence[InsuranceCover]:
    query = (
        select(InsuranceCover)
        .where(InsuranceCover.customer_code == customer_code)
        .order_by(InsuranceCover.created_at.desc())
    )
    return (await session.execute(query)).scalars().all()
