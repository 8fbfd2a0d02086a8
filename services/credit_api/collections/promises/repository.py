from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import driver
from shared.models.credit_api import Promise
from shared.models.views import open_items


async def open_invoices(session: AsyncSession, customer_code: str) -> list[tuple[str, str, Decimal]]:
    """(invoice, currency, open amount) of the customer's open invoices."""
    i = open_items.c
    query = select(i.item_id, i.currency, i.open_amount).where(
        i.customer_code == customer_code, i.item_type == "invoice", i.status == "open", i.open_amount > 0
    )
    return [(item, cur, amount) for item, cur, amount in (await session.execute(query)).all()]


async def add(session: AsyncSession, promise: Promise) -> None:
    session.add(promise)
    await session.flush()


async def of_customer(session: AsyncSession, customer_code: str) -> Sequence[Promise]:
    query = select(Promise).where(Promise.customer_code == customer_code).order_by(Promise.created_at)
    return (await session.execute(query)).scalars().all()


async def open_promises(session: AsyncSession, codes: Sequence[str] | None = None) -> Sequence[Promise]:
    query = select(Promise).where(Promise.status == "open").order_by(Promise.created_at).with_for_update()
    if codes is not None:
        query = query.where(Promise.customer_code.in_(codes))
    return (await session.execute(query)).scalars().all()


async def paid_towards(
    session: AsyncSession, promises: Sequence[Promise], grace_days: int, as_of: date
) -> dict[uuid.UUID, Decimal]:
    """Per promise, what came off its invoices (or any of the customer's) from the day it was made
    through its promised date plus the grace, or through `as_of` if that is earlier: payments, and
    credit notes or write-offs that settle them. One query for all of them."""
    if not promises:
        return {}
    pg = await driver(session)
    rows = await pg.fetch(
        "SELECT p.id, coalesce(-sum(m.amount), 0) AS paid FROM unnest($1::uuid[], $2::text[], $3::text[], "
        "$4::date[], $5::date[], $6::text[]) AS p(id, code, currency, made_on, promised, items) "
        "LEFT JOIN risk_worker.v_movements m ON m.customer_code = p.code AND m.account = 'item' "
        "AND m.currency = p.currency AND m.amount < 0 "
        "AND m.effective_date BETWEEN p.made_on AND least(p.promised + $7::int, $8::date) "
        "AND (p.items::jsonb = '[]'::jsonb OR p.items::jsonb ? m.item_id) GROUP BY p.id",
        [p.id for p in promises],
        [p.customer_code for p in promises],
        [p.currency for p in promises],
        [p.made_on for p in promises],
        [p.promised_date for p in promises],
        [json.dumps(p.item_ids) for p in promises],
        grace_days,
        as_of,
    )
    return {r["id"]: Decimal(r["paid"]) for r in rows}
