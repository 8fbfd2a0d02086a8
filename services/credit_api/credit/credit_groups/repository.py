from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models.credit_api import (
    CreditGroup,
    CreditGroupAlert,
    CreditGroupLimit,
    CreditGroupTemporaryLimit,
    CreditGroupWarning,
    Customer,
)
from shared.models.views import financial_statements, warning_levels


async def lock_tree(session: AsyncSession) -> None:
    """One change of the tree at a time, until commit: two moves checked apart could close a cycle
    together (A under B while B goes under A)."""
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext('credit_api.credit_groups'))"))


async def all_groups(session: AsyncSession) -> Sequence[CreditGroup]:
    return (await session.execute(select(CreditGroup).order_by(CreditGroup.code))).scalars().all()


async def get(session: AsyncSession, code: str) -> CreditGroup | None:
    return await session.get(CreditGroup, code)


async def add(session: AsyncSession, group: CreditGroup) -> None:
    session.add(group)
    await session.flush()


async def remove(session: AsyncSession, group: CreditGroup) -> None:
    """The group and its limits (the audit log keeps each limit as it was set)."""
    await session.execute(delete(CreditGroupLimit).where(CreditGroupLimit.group_code == group.code))
    for kept in (CreditGroupTemporaryLimit, CreditGroupWarning, CreditGroupAlert):
        await session.execute(delete(kept).where(kept.group_code == group.code))
    await session.delete(group)
    await session.flush()


async def members(session: AsyncSession, codes: Collection[str]) -> list[tuple[str, str]]:
    """(group, customer) of every customer directly in one of the groups, by customer code."""
    query = (
        select(Customer.credit_group, Customer.customer_code)
        .where(Customer.credit_group.in_(list(codes)))
        .order_by(Customer.customer_code)
    )
    return [(g, c) for g, c in (await session.execute(query)).all() if g is not None]


async def member_scores(session: AsyncSession, codes: Collection[str]) -> list[tuple[str, str, Decimal]]:
    """(group, customer, score) of every scored customer directly in one of the groups."""
    query = select(Customer.credit_group, Customer.customer_code, Customer.score).where(
        Customer.credit_group.in_(list(codes)), Customer.score.is_not(None)
    )
    return [(g, c, s) for g, c, s in (await session.execute(query)).all() if g is not None and s is not None]


async def customer_exists(session: AsyncSession, code: str) -> bool:
    query = select(func.count()).select_from(Customer).where(Customer.customer_code == code)
    return bool((await session.execute(query)).scalar_one())


async def assessed_heads(
    session: AsyncSession, codes: Collection[str]
) -> dict[str, tuple[Decimal, str | None]]:
    """(score, grade) of each of the customers that is scored and has financial statements filed."""
    filed = select(financial_statements.c.customer_code).where(
        financial_statements.c.customer_code == Customer.customer_code
    )
    query = select(Customer.customer_code, Customer.score, Customer.grade).where(
        Customer.customer_code.in_(list(codes)), Customer.score.is_not(None), filed.exists()
    )
    return {
        c: (score, grade) for c, score, grade in (await session.execute(query)).all() if score is not None
    }


async def member_levels(session: AsyncSession, codes: Collection[str]) -> list[tuple[str, int]]:
    """(group, early-warning level) of every evaluated customer directly in one of the groups."""
    v = warning_levels.c
    query = (
        select(Customer.credit_group, v.level)
        .join(warning_levels, v.customer_code == Customer.customer_code)
        .where(Customer.credit_group.in_(list(codes)), v.level > 0)
    )
    return [(g, level) for g, level in (await session.execute(query)).all() if g is not None]


async def member_count(session: AsyncSession, code: str) -> int:
    query = select(func.count()).select_from(Customer).where(Customer.credit_group == code)
    return int((await session.execute(query)).scalar_one())


async def current_limits(session: AsyncSession, code: str | None = None) -> dict[str, CreditGroupLimit]:
    """Each group's limit in force (only `code`'s, when given)."""
    query = select(CreditGroupLimit).where(CreditGroupLimit.superseded_at.is_(None))
    if code is not None:
        query = query.where(CreditGroupLimit.group_code == code)
    return {limit.group_code: limit for limit in (await session.execute(query)).scalars()}


async def add_temporary(session: AsyncSession, increase: CreditGroupTemporaryLimit) -> None:
    session.add(increase)
    await session.flush()


async def overlapping(
    session: AsyncSession, code: str, start: date, end: date
) -> Sequence[CreditGroupTemporaryLimit]:
    t = CreditGroupTemporaryLimit
    query = select(t).where(t.group_code == code, t.valid_from <= end, t.valid_until >= start)
    return (await session.execute(query)).scalars().all()


async def temporaries(session: AsyncSession, code: str) -> Sequence[CreditGroupTemporaryLimit]:
    t = CreditGroupTemporaryLimit
    query = select(t).where(t.group_code == code).order_by(t.valid_from.desc(), t.created_at.desc())
    return (await session.execute(query)).scalars().all()


async def has_limit(session: AsyncSession, code: str) -> bool:
    query = select(func.count()).where(
        CreditGroupLimit.group_code == code, CreditGroupLimit.superseded_at.is_(None)
    )
    return bool((await session.execute(query)).scalar_one())


async def set_limit(session: AsyncSession, limit: CreditGroupLimit) -> CreditGroupLimit | None:
    """Make `limit` the group's current one; returns the one it supersedes."""
    previous = (
        await session.execute(
            update(CreditGroupLimit)
            .where(CreditGroupLimit.group_code == limit.group_code, CreditGroupLimit.superseded_at.is_(None))
            .values(superseded_at=limit.set_at)
            .returning(CreditGroupLimit)
        )
    ).scalar_one_or_none()
    session.add(limit)
    await session.flush()
    return previous


async def limit_history(session: AsyncSession, code: str) -> Sequence[CreditGroupLimit]:
    query = (
        select(CreditGroupLimit)
        .where(CreditGroupLimit.group_code == code)
        .order_by(CreditGroupLimit.set_at.desc(), CreditGroupLimit.id.desc())
    )
    return (await session.execute(query)).scalars().all()
