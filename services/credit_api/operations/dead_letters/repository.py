from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models.credit_api import DeadLetterReplay
from shared.models.views import REPLAY_LOCK, dead_letter_replays, dead_letters

_replayed = dead_letter_replays
# Replayed by the CLI (the risk worker's mark) or from here (ours).
_when = func.coalesce(dead_letters.c.replayed_at, _replayed.c.replayed_at).label("replayed_at")
_letters = select(*(c for c in dead_letters.c if c.name != "replayed_at"), _when).select_from(
    dead_letters.outerjoin(_replayed, _replayed.c.dead_letter_id == dead_letters.c.id)
)


async def page(
    session: AsyncSession, *, pending_only: bool, before_id: int | None, limit: int
) -> Sequence[Any]:
    """Newest first."""
    query = _letters.order_by(dead_letters.c.id.desc()).limit(limit)
    if pending_only:
        query = query.where(_when.is_(None))
    if before_id is not None:
        query = query.where(dead_letters.c.id < before_id)
    return (await session.execute(query)).all()


async def claim(session: AsyncSession, ids: Sequence[int], actor: str, at: datetime) -> Sequence[Any]:
    """The letters among `ids` that nobody replayed yet, now marked as replayed by `actor`."""
    await session.execute(select(func.pg_advisory_xact_lock(REPLAY_LOCK)))
    letters = (
        await session.execute(
            _letters.where(dead_letters.c.id.in_(ids), _when.is_(None)).order_by(dead_letters.c.id)
        )
    ).all()
    if letters:
        await session.execute(
            insert(DeadLetterReplay).values(
                [{"dead_letter_id": r.id, "replayed_by": actor, "replayed_at": at} for r in letters]
            )
        )
    return letters
