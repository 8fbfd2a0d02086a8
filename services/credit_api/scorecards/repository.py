from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models.credit_api import Scorecard


async def get(session: AsyncSession, version: str) -> Scorecard | None:
    return await session.get(Scorecard, version)


async def listing(session: AsyncSession) -> Sequence[Scorecard]:
    return (await session.execute(select(Scorecard).order_by(Scorecard.created_at.desc()))).scalars().all()


async def activate(session: AsyncSession, card: Scorecard, now: datetime) -> None:
    """The one active version: the others are deactivated in the same transaction, and the lock of
    the first statement serialises two admins activating at once."""
    await session.execute(update(Scorecard).where(Scorecard.active).values(active=False))
    if card not in session:
        session.add(card)
    card.active = True
    card.activated_at = now
    await session.flush()
