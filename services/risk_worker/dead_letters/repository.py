from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models.risk_worker import DeadLetter


async def pending(session: AsyncSession, ids: Sequence[int] | None) -> Sequence[DeadLetter]:
    """Not yet replayed, oldest first, locked so that two replays never send one twice."""
    query = select(DeadLetter).where(DeadLetter.replayed_at.is_(None)).order_by(DeadLetter.id)
    if ids is not None:
        query = query.where(DeadLetter.id.in_(ids))
    return (await session.execute(query.with_for_update(skip_locked=True))).scalars().all()


async def mark_replayed(session: AsyncSession, ids: Sequence[int], at: datetime) -> None:
    await session.execute(update(DeadLetter).where(DeadLetter.id.in_(ids)).values(replayed_at=at))
