from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import driver
from shared.models.credit_api import Reservation

_UPSERT_MANY = """
INSERT INTO credit_api.reservations
       (id, customer_code, order_ref, check_id, amount, currency, status, expires_at, invoiced_before)
SELECT gen_random_uuid(), r.customer_code, r.order_ref, r.check_id, r.amount, r.currency, 'active',
       r.expires_at, EXISTS (SELECT 1 FROM risk_worker.v_order_invoicing v
                              WHERE v.customer_code = r.customer_code AND v.order_ref = r.order_ref)
  FROM unnest($1::text[], $2::text[], $3::uuid[], $4::numeric[], $5::text[], $6::timestamptz[])
       AS r(customer_code, order_ref, check_id, amount, currency, expires_at)
ON CONFLICT (customer_code, order_ref) WHERE status = 'active'
DO UPDATE SET amount = excluded.amount, check_id = excluded.check_id, expires_at = excluded.expires_at,
              invoiced_before = excluded.invoiced_before
RETURNING customer_code, order_ref, id
"""


async def upsert_many(
    session: AsyncSession, rows: Sequence[tuple[str, str, uuid.UUID | None, Decimal, str, datetime]]
) -> dict[tuple[str, str], uuid.UUID]:
    """Insert, or update each order's live reservation in place (each order once), in one
    statement; (customer, order) → the reservation's id."""
    if not rows:
        return {}
    pg = await driver(session)
    found = await pg.fetch(_UPSERT_MANY, *(list(column) for column in zip(*rows, strict=True)))
    return {(r["customer_code"], r["order_ref"]): r["id"] for r in found}


async def get(session: AsyncSession, reservation_id: uuid.UUID) -> Reservation | None:
    return await session.get(Reservation, reservation_id)


async def expire_due(session: AsyncSession, now: datetime) -> list[str]:
    """Reservations past their expiry marked so; the customer of each, once per reservation."""
    result = await session.execute(
        update(Reservation)
        .where(
            Reservation.status == "active",
            Reservation.expires_at <= now,
        )
        .values(status="expired", released_at=now, release_reason="expired")
        .returning(Reservation.customer_code)
    )
    return list(result.scalars().all())
