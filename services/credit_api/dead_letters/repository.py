from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models.views import dead_letters


async def page(
    session: AsyncSession, *, pending_only: bool, before_id: int | None, limit: int
) -> Sequence[Row[tuple[object, ...]]]:
    """Newest first."""
    query = select(dead_letters).order_by(dead_letters.c.id.desc()).limit(limit)
    if pending_only:
        query = query.where(dead_letters.c.replayed_at.is_(None))
    if before_id is not None:
        query = query.where(dead_letters.c.id < before_id)
    return (await session.execute(query)).all()
