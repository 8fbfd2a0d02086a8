from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models.credit_api import CreditLimit, Customer


async def get(session: AsyncSession, customer_code: str, *, for_update: bool = False) -> Customer | None:
    statement = select(Customer).where(Customer.customer_code == customer_code)
    if for_update:
        # Serialises every credit decision of one customer: checks cannot overshoot together.
        statement = statement.with_for_update()
    return (await session.execute(statement)).scalar_one_or_none()


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
