from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models.credit_api import IdempotencyRecord


async def lock(session: AsyncSession, api_key_id: uuid.UUID, key: str) -> None:
    """Serialise requests carrying the same key, until the end of the transaction."""
    await session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(f"{api_key_id}/{key}", 0))))


async def find(session: AsyncSession, api_key_id: uuid.UUID, key: str) -> IdempotencyRecord | None:
    return await session.get(IdempotencyRecord, (api_key_id, key))


async def add(session: AsyncSession, record: IdempotencyRecord) -> None:
    session.add(record)
    await session.flush()


async def purge_before(session: AsyncSession, cutoff: datetime) -> int:
    result = await session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < cutoff))
    return int(result.rowcount)  # type: ignore[attr-defined]
