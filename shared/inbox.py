"""The inbox: `(source, id)` of every event a consumer applied, written with the effect itself."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession


async def remember(session: AsyncSession, model: type[Any], source: str, event_id: str) -> bool:
    """Record the event; False when it was recorded before, i.e. this is a redelivery."""
    statement = (
        insert(model)
        .values(source=source, event_id=event_id)
        .on_conflict_do_nothing()
        .returning(model.event_id)
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None
