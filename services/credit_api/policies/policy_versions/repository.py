from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TypeVar

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models.credit_api import PolicyVersionMixin

P = TypeVar("P", bound=PolicyVersionMixin)


async def get(session: AsyncSession, model: type[P], version: str) -> P | None:
    return await session.get(model, version)


async def listing(session: AsyncSession, model: type[P]) -> Sequence[P]:
    return (await session.execute(select(model).order_by(model.created_at.desc()))).scalars().all()


async def activate(
    session: AsyncSession, model: type[P], policy: P, now: datetime, traceparent: str | None
) -> None:
    """The one active version: the others are deactivated in the same transaction, and the lock of
    the first statement serialises two admins activating at once."""
    await session.execute(update(model).where(model.active).values(active=False))
    if policy not in session:
        session.add(policy)
    policy.active = True
    policy.activated_at = now
    policy.activated_traceparent = traceparent
    await session.flush()
