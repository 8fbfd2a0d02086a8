from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models.credit_api import CreditLimit, Customer, Review
from shared.models.views import assessments


async def add(session: AsyncSession, review: Review) -> None:
    session.add(review)
    await session.flush()


async def due(
    session: AsyncSession, due_before: date, after: tuple[date, str] | None, limit: int
) -> Sequence[Row[tuple[Any, ...]]]:
    """Customers due for review by `due_before`, earliest first, with their limit and assessment."""
    query = (
        select(
            Customer,
            CreditLimit.amount.label("limit_amount"),
            assessments.c.recommended_limit,
            assessments.c.recommended_terms,
        )
        .outerjoin(
            CreditLimit,
            (CreditLimit.customer_code == Customer.customer_code) & CreditLimit.superseded_at.is_(None),
        )
        .outerjoin(assessments, assessments.c.customer_code == Customer.customer_code)
        .where(Customer.review_date <= due_before, Customer.status == "active")
        .order_by(Customer.review_date, Customer.customer_code)
        .limit(limit)
    )
    if after is not None:
        query = query.where((Customer.review_date, Customer.customer_code) > after)  # type: ignore[operator]
    return (await session.execute(query)).all()


async def review_months(session: AsyncSession, customer_code: str) -> int | None:
    row = await session.execute(
        select(assessments.c.review_months).where(assessments.c.customer_code == customer_code)
    )
    value = row.scalar_one_or_none()
    return None if value is None else int(value)
