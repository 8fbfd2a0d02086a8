from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models.credit_api import IdempotencyRecord


async def purge_before(session: AsyncSession, cutoff: datetime) -> int:
    result = await session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < cutoff))
    return int(result.rowcount)  # type: ignore[attr-defined]
