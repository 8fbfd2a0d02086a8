from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.kernel.pagination import keyset
from shared.models.views import deliveries


async def page(
    session: AsyncSession,
    *,
    status: str | None,
    channel: str | None,
    customer_code: str | None,
    alert_id: uuid.UUID | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> Sequence[Row[tuple[object, ...]]]:
    """Oldest first, through the notifier's documented view."""
    d = deliveries.c
    query = keyset(
        select(deliveries),
        (d.created_at, d.id),
        {d.status: status, d.channel: channel, d.customer_code: customer_code, d.alert_id: alert_id},
        after,
        limit,
    )
    return (await session.execute(query)).all()
