from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shared.models.credit_api import AuditEntry


async def add(session: AsyncSession, entry: AuditEntry) -> None:
    session.add(entry)
    await session.flush()
