from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models.credit_api import ApiKey

# The PostgreSQL notification channel on which a key's revocation or rotation reaches every process.
CHANGED = "credence_api_keys"


async def announce_change(session: AsyncSession, key_id: uuid.UUID) -> None:
    """Delivered to every listening API process when the transaction commits, and only then."""
    await session.execute(select(func.pg_notify(CHANGED, str(key_id))))


async def add(session: AsyncSession, key: ApiKey) -> None:
    session.add(key)
    await session.flush()


async def use_by_hash(session: AsyncSession, key_hash: str, now: datetime) -> ApiKey | None:
    """The key if it is neither revoked nor expired, marked as used now (one statement)."""
    result = await session.execute(
        update(ApiKey)
        .where(
            ApiKey.key_hash == key_hash,
            ApiKey.revoked_at.is_(None),
            or_(ApiKey.expires_at.is_(None), ApiKey.expires_at > now),
        )
        .values(last_used_at=now)
        .returning(ApiKey)
    )
    return result.scalar_one_or_none()


async def get(session: AsyncSession, key_id: uuid.UUID) -> ApiKey | None:
    return await session.get(ApiKey, key_id)


async def all_keys(session: AsyncSession) -> Sequence[ApiKey]:
    return (await session.execute(select(ApiKey).order_by(ApiKey.created_at))).scalars().all()
