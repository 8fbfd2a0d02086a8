from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models.views import assessment_history, assessments


async def current(session: AsyncSession, customer_code: str) -> dict[str, Any] | None:
    row = (
        await session.execute(select(assessments).where(assessments.c.customer_code == customer_code))
    ).first()
    return None if row is None else dict(row._mapping)


async def history(
    session: AsyncSession, customer_code: str, before_id: int | None, limit: int
) -> Sequence[Row[tuple[Any, ...]]]:
    """Newest first."""
    h = assessment_history
    query = select(h).where(h.c.customer_code == customer_code).order_by(h.c.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(h.c.id < before_id)
    return (await session.execute(query)).all()
