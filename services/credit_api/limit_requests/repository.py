from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models.credit_api import LimitRequest


async def add(session: AsyncSession, request: LimitRequest) -> None:
    session.add(request)
    await session.flush()


async def get(
    session: AsyncSession, request_id: uuid.UUID, *, for_update: bool = False
) -> LimitRequest | None:
    query = select(LimitRequest).where(LimitRequest.id == request_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def page(
    session: AsyncSession,
    *,
    status: str | None,
    customer_code: str | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> Sequence[LimitRequest]:
    query = select(LimitRequest).order_by(LimitRequest.requested_at, LimitRequest.id).limit(limit)
    if status is not None:
        query = query.where(LimitRequest.status == status)
    if customer_code is not None:
        query = query.where(LimitRequest.customer_code == customer_code)
    if after is not None:
        query = query.where(tuple_(LimitRequest.requested_at, LimitRequest.id) > tuple_(*after))
    return (await session.execute(query)).scalars().all()
