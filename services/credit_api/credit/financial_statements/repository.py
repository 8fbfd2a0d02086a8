from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models.views import financial_statements as v


async def for_customer(session: AsyncSession, customer_code: str) -> Sequence[Row[tuple[object, ...]]]:
    """Newest period first."""
    query = select(v).where(v.c.customer_code == customer_code).order_by(v.c.period_end.desc())
    return (await session.execute(query)).all()
