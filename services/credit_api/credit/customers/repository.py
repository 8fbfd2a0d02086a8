from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.credit.exposure.repository import lock_groups
from shared.db import driver
from shared.models.credit_api import CreditGroup, CreditLimit, Customer


async def get(
    session: AsyncSession, customer_code: str, *, for_update: bool = False, joining: str | None = None
) -> Customer | None:
    """With `for_update`, the customer's credit groups (and the group it is `joining`) are locked
    first, as every credit decision locks them: then the customer, which serialises every decision
    of it."""
    statement = select(Customer).where(Customer.customer_code == customer_code)
    if for_update:
        await lock_groups(session, [customer_code], [] if joining is None else [joining])
        statement = statement.with_for_update()
    return (await session.execute(statement)).scalar_one_or_none()


async def block_many(
    session: AsyncSession, codes: Sequence[str], reason: str, actor: str, now: datetime
) -> list[str]:
    """Blocks those not blocked yet; returns them."""
    blocked = await session.execute(
        update(Customer)
        .where(Customer.customer_code.in_(codes), Customer.blocked.is_(False))
        .values(blocked=True, block_reason=reason, blocked_at=now, blocked_by=actor, updated_at=now)
        .returning(Customer.customer_code)
    )
    return sorted(blocked.scalars().all())


async def touch(session: AsyncSession, codes: Sequence[str]) -> None:
    """Marks the credit files changed, so that the risk worker re-evaluates them."""
    await session.execute(
        update(Customer).where(Customer.customer_code.in_(codes)).values(updated_at=func.now())
    )


async def add(session: AsyncSession, customer: Customer) -> None:
    session.add(customer)
    await session.flush()


async def current_limit(session: AsyncSession, customer_code: str) -> CreditLimit | None:
    result = await session.execute(
        select(CreditLimit).where(
            CreditLimit.customer_code == customer_code, CreditLimit.superseded_at.is_(None)
        )
    )
    return result.scalar_one_or_none()


async def page(
    session: AsyncSession, filters: dict[str, Any], after: str | None, limit: int
) -> Sequence[Customer]:
    query = select(Customer).order_by(Customer.customer_code).limit(limit)
    for name, value in filters.items():
        if value is not None:
            query = query.where(getattr(Customer, name) == value)
    if after is not None:
        query = query.where(Customer.customer_code > after)
    return (await session.execute(query)).scalars().all()


async def add_stubs(session: AsyncSession, currencies: Mapping[str, str]) -> list[str]:
    """Stubs for the customers not known yet (customer code → currency); returns those created."""
    if not currencies:
        return []
    statement = (
        insert(Customer)
        .values(
            [
                {"customer_code": code, "name": code, "currency": currency, "master_data_missing": True}
                for code, currency in sorted(currencies.items())
            ]
        )
        .on_conflict_do_nothing()
        .returning(Customer.customer_code)
    )
    return list((await session.execute(statement)).scalars())


async def apply_assessments(
    session: AsyncSession, changes: Sequence[tuple[str, str, Decimal, date, bool]]
) -> list[tuple[str, str | None, Decimal | None, date | None, str, Decimal, date | None]]:
    """(customer, grade, score, as_of + review period, whether the review date moves): one
    statement; returns each customer's grade, score and review date before and after."""
    if not changes:
        return []
    conn = await driver(session)
    rows = await conn.fetch(
        "WITH u AS (SELECT * FROM unnest($1::text[], $2::text[], $3::numeric[], $4::date[], $5::bool[]) "
        "AS u(customer_code, grade, score, review_date, move)), "
        "old AS (SELECT c.customer_code, c.grade, c.score, c.review_date FROM credit_api.customers c "
        "JOIN u USING (customer_code) FOR UPDATE OF c) "
        "UPDATE credit_api.customers c SET grade = u.grade, score = u.score, "
        "review_date = CASE WHEN u.move THEN u.review_date ELSE c.review_date END, updated_at = now() "
        "FROM u JOIN old USING (customer_code) WHERE c.customer_code = u.customer_code "
        "RETURNING c.customer_code, old.grade AS old_grade, old.score AS old_score, "
        "old.review_date AS old_review, c.grade, c.score, c.review_date",
        *[list(column) for column in zip(*changes, strict=True)],
    )
    return [tuple(r) for r in rows]


async def group_exists(session: AsyncSession, code: str) -> bool:
    """A credit group a customer may join (`credit_groups`, a table of the same context)."""
    query = select(func.count()).select_from(CreditGroup).where(CreditGroup.code == code)
    return bool((await session.execute(query)).scalar_one())
