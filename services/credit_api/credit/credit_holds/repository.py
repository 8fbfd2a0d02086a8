from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.kernel.pagination import keyset
from shared.models.credit_api import CreditHold


async def open_for_order(session: AsyncSession, customer_code: str, order_ref: str) -> CreditHold | None:
    result = await session.execute(
        select(CreditHold).where(
            CreditHold.customer_code == customer_code,
            CreditHold.order_ref == order_ref,
            CreditHold.status == "open",
        )
    )
    return result.scalars().first()


# The open holds of the customer, and of every member of the tree of credit groups that the
# customer (or the group) belongs to: whoever shares a group's room with it. Oldest first.
_OPEN_NEAR = text("""
WITH RECURSIVE up(code, parent_code) AS (
  SELECT g.code, g.parent_code FROM credit_api.credit_groups g
   WHERE g.code = coalesce(CAST(:group_code AS text), (SELECT c.credit_group FROM credit_api.customers c
                                          WHERE c.customer_code = CAST(:customer_code AS text)))
  UNION ALL
  SELECT g.code, g.parent_code FROM up u JOIN credit_api.credit_groups g ON g.code = u.parent_code
), down(code) AS (
  SELECT u.code FROM up u WHERE u.parent_code IS NULL
  UNION ALL
  SELECT g.code FROM down d JOIN credit_api.credit_groups g ON g.parent_code = d.code
)
SELECT h.* FROM credit_api.credit_holds h
 WHERE h.status = 'open'
   AND (h.customer_code = CAST(:customer_code AS text)
        OR h.customer_code IN (SELECT c.customer_code FROM credit_api.customers c
                                WHERE c.credit_group IN (SELECT d.code FROM down d)))
 ORDER BY h.created_at, h.id
""")


async def open_near(
    session: AsyncSession, *, customer_code: str | None = None, group_code: str | None = None
) -> Sequence[CreditHold]:
    """Every open hold whose order a change of the customer's (or the group's) standing may let
    through, the one that waited longest first."""
    query = select(CreditHold).from_statement(
        _OPEN_NEAR.bindparams(customer_code=customer_code, group_code=group_code)
    )
    return (await session.execute(query)).scalars().all()


async def get(session: AsyncSession, hold_id: uuid.UUID) -> CreditHold | None:
    return await session.get(CreditHold, hold_id)


async def add(session: AsyncSession, hold: CreditHold) -> None:
    session.add(hold)
    await session.flush()


async def page(
    session: AsyncSession,
    *,
    status: str | None,
    customer_code: str | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> Sequence[CreditHold]:
    query = keyset(
        select(CreditHold),
        (CreditHold.created_at, CreditHold.id),
        {CreditHold.status: status, CreditHold.customer_code: customer_code},
        after,
        limit,
    )
    return (await session.execute(query)).scalars().all()


async def settle_open_for_order(
    session: AsyncSession, customer_code: str, order_ref: str, now: datetime, actor: str, note: str
) -> None:
    await session.execute(
        update(CreditHold)
        .where(
            CreditHold.customer_code == customer_code,
            CreditHold.order_ref == order_ref,
            CreditHold.status == "open",
        )
        .values(status="released", resolved_at=now, resolved_by=actor, resolution_note=note)
    )
