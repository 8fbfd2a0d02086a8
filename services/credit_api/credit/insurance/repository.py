from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import or_, select
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


async def in_force(
    session: AsyncSession, day: date, customer_code: str | None = None
) -> Sequence[tuple[InsuranceCover, InsurancePolicy]]:
    """Covers valid on the day under a policy valid on the day, newest decision first."""
    c, p = InsuranceCover, InsurancePolicy
    query = (
        select(c, p)
        .join(p, p.policy_number == c.policy_number)
        .where(
            c.valid_from <= day,
            or_(c.valid_to.is_(None), c.valid_to >= day),
            p.valid_from <= day,
            or_(p.valid_to.is_(None), p.valid_to >= day),
        )
        .order_by(c.customer_code, c.created_at.desc())
    )
    if customer_code is not None:
        query = query.where(c.customer_code == customer_code)
    return [(cover, pol) for cover, pol in (await session.execute(query)).all()]


async def policies_in_force(session: AsyncSession, day: date) -> Sequence[InsurancePolicy]:
    p = InsurancePolicy
    query = (
        select(p)
        .where(p.valid_from <= day, or_(p.valid_to.is_(None), p.valid_to >= day))
        .order_by(p.policy_number)
    )
    return (await session.execute(query)).scalars().all()


@dataclass(frozen=True)
class Cover:
    amount: Decimal
    currency: str
    indemnity: Decimal
    source: str  # named or discretionary
    policy_number: str
    valid_to: date | None


async def covers_on(
    session: AsyncSession, day: date, customer_code: str | None = None
) -> tuple[dict[str, Cover], Cover | None]:
    """Each customer's newest named cover in force on the day, and the cover of everyone else: the
    discretionary limit of the first policy in force (None without one)."""
    named: dict[str, Cover] = {}
    for cover, p in await in_force(session, day, customer_code):
        named.setdefault(
            cover.customer_code,
            Cover(cover.amount, p.currency, p.indemnity, "named", p.policy_number, cover.valid_to),
        )
    found = await policies_in_force(session, day)
    if not found:
        return named, None
    first = found[0]
    return named, Cover(
        first.discretionary_limit,
        first.currency,
        first.indemnity,
        "discretionary",
        first.policy_number,
        first.valid_to,
    )
