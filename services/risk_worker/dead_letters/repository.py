from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models.risk_worker import DeadLetter
from shared.models.views import REPLAY_LOCK, dead_letter_replays


async def pending(session: AsyncSession, ids: Sequence[int] | None) -> Sequence[DeadLetter]:
    """Not yet replayed (by the CLI or from credit_api), oldest first; the replay lock keeps two
    replays from sending one twice."""
    await session.execute(select(func.pg_advisory_xact_lock(REPLAY_LOCK)))
    query = (
        select(DeadLetter)
        .where(
            DeadLetter.replayed_at.is_(None),
            DeadLetter.id.not_in(select(dead_letter_replays.c.dead_letter_id)),
        )
        .order_by(DeadLetter.id)
    )
    if ids is not None:
        query = query.where(DeadLetter.id.in_(ids))
    return (await session.execute(query)).scalars().all()


async def mark_replayed(session: AsyncSession, ids: Sequence[int], at: datetime) -> None:
    await session.execute(update(DeadLetter).where(DeadLetter.id.in_(ids)).values(replayed_at=at))
