from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.domain.warnings import Level
from shared.models.credit_api import CollectionTask, Customer
from shared.models.views import customer_receivables, warning_levels


async def open_tasks(session: AsyncSession) -> Sequence[tuple[CollectionTask, Customer]]:
    query = (
        select(CollectionTask, Customer)
        .join(Customer, Customer.customer_code == CollectionTask.customer_code)
        .where(CollectionTask.status == "open")
    )
    return [(t, c) for t, c in (await session.execute(query)).all()]


async def critical(session: AsyncSession) -> list[tuple[Customer, list[str], list[tuple[str, Decimal]]]]:
    """Customers at the critical early-warning level: the causes, and what they owe per currency."""
    w, r = warning_levels.c, customer_receivables.c
    rows = (
        await session.execute(
            select(Customer, w.causes)
            .join(warning_levels, w.customer_code == Customer.customer_code)
            .where(w.level == int(Level.CRITICAL))
        )
    ).all()
    codes = [c.customer_code for c, _ in rows]
    owed: dict[str, list[tuple[str, Decimal]]] = {}
    for code, currency, amount in (
        await session.execute(
            select(r.customer_code, r.currency, r.open_receivables).where(r.customer_code.in_(codes))
        )
    ).all():
        owed.setdefault(code, []).append((currency, amount))
    return [(c, list(causes or []), owed.get(c.customer_code, [])) for c, causes in rows]


async def get(session: AsyncSession, task_id: uuid.UUID) -> CollectionTask | None:
    query = select(CollectionTask).where(CollectionTask.id == task_id).with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def customers(session: AsyncSession, codes: Sequence[str]) -> Sequence[Customer]:
    query = select(Customer).where(Customer.customer_code.in_(codes)).order_by(Customer.customer_code)
    return (await session.execute(query)).scalars().all()
