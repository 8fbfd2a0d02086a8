from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models.credit_api import CollectionTask, Customer


async def open_tasks(session: AsyncSession) -> Sequence[tuple[CollectionTask, Customer]]:
    query = (
        select(CollectionTask, Customer)
        .join(Customer, Customer.customer_code == CollectionTask.customer_code)
        .where(CollectionTask.status == "open")
    )
    return [(t, c) for t, c in (await session.execute(query)).all()]


async def get(session: AsyncSession, task_id: uuid.UUID) -> CollectionTask | None:
    query = select(CollectionTask).where(CollectionTask.id == task_id).with_for_update()
    return (await session.execute(query)).scalar_one_or_none()
