from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.kernel.pagination import keyset
from shared.models.credit_api import AlertEvent, WarningAlert


async def unresolved(session: AsyncSession, customer_code: str) -> WarningAlert | None:
    query = (
        select(WarningAlert)
        .where(WarningAlert.customer_code == customer_code, WarningAlert.status != "resolved")
        .with_for_update()
    )
    return (await session.execute(query)).scalar_one_or_none()


async def get(session: AsyncSession, alert_id: uuid.UUID, *, for_update: bool = False) -> WarningAlert | None:
    query = select(WarningAlert).where(WarningAlert.id == alert_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def add(session: AsyncSession, alert: WarningAlert) -> None:
    session.add(alert)
    await session.flush()


async def add_event(session: AsyncSession, event: AlertEvent) -> None:
    session.add(event)
    await session.flush()


@dataclass(frozen=True)
class AlertFilter:
    level: str | None = None
    status: str | None = None
    customer_code: str | None = None
    indicator: str | None = None
    since: datetime | None = None


async def page(
    session: AsyncSession, where: AlertFilter, after: tuple[datetime, uuid.UUID] | None, limit: int
) -> Sequence[WarningAlert]:
    a = WarningAlert
    query = select(a)
    if where.indicator is not None:
        query = query.where(a.causes.contains([{"indicator": where.indicator}]))
    if where.since is not None:
        query = query.where(a.updated_at >= where.since)
    query = keyset(
        query,
        (a.opened_at, a.id),
        {a.level: where.level, a.status: where.status, a.customer_code: where.customer_code},
        after,
        limit,
    )
    return (await session.execute(query)).scalars().all()
