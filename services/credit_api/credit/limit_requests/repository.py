from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.kernel.pagination import keyset
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
    group_code: str | None = None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> Sequence[LimitRequest]:
    query = keyset(
        select(LimitRequest),
        (LimitRequest.requested_at, LimitRequest.id),
        {
            LimitRequest.status: status,
            LimitRequest.customer_code: customer_code,
            LimitRequest.group_code: group_code,
        },
        after,
        limit,
    )
    return (await session.execute(query)).scalars().all()
