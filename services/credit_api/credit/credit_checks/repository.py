"""A batch of credit checks in two statements (migrations 0033 and 0036): `open_batch` before the
rules decide, `write_batch` after."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.credit.exposure.repository import (
    BatchSnapshot,
    GroupFigures,
    batch_snapshot_of,
    group_figures_of,
)
from shared.db import driver
from shared.models.credit_api import CreditCheck

Key = tuple[uuid.UUID, str]  # (API key id, Idempotency-Key)

# The two statements, also what bench/credit_check.py times PostgreSQL alone with.
OPEN = "SELECT * FROM credit_api.check_batch_open($1::uuid[], $2::text[], $3::text[], $4::text[], $5, $6)"
WRITE = (
    "SELECT * FROM credit_api.check_batch_write($1::uuid[], $2::text[], $3::text[], $4::uuid[], "
    "$5::numeric[], $6::text[], $7::timestamptz[], $8::json, $9::uuid[], $10::text[], $11::text[], "
    "$12::integer[], $13::text[])"
)


@dataclass(frozen=True)
class Stored:
    """The answer kept for an Idempotency-Key."""

    request_hash: str
    status_code: int
    response: str  # the JSON document, as it is sent again


async def open_batch(
    session: AsyncSession, keys: Sequence[Key], pairs: Sequence[tuple[str, str]], now: datetime
) -> tuple[dict[Key, Stored], dict[str, BatchSnapshot], GroupFigures | None]:
    """One round trip: the keys locked in a fixed order and their stored answers read; the
    customers' credit groups locked, ancestors first, and their figures read; then the (customer,
    order) pairs' customers locked in a fixed order and read."""
    pg = await driver(session)
    rows = await pg.fetch(
        OPEN,
        [k for k, _ in keys],
        [n for _, n in keys],
        [code for code, _ in pairs],
        [order for _, order in pairs],
        now,
        now.date(),
    )
    stored: dict[Key, Stored] = {}
    customers: dict[str, BatchSnapshot] = {}
    groups: GroupFigures | None = None
    for row in rows:
        if row["groups"] is not None:
            groups = group_figures_of(row["groups"])
        elif row["stored"] is None:
            customers[row["customer_code"]] = batch_snapshot_of(row)
        else:
            key_id, key, request_hash, status_code, response = json.loads(row["stored"])
            stored[(uuid.UUID(key_id), key)] = Stored(request_hash, status_code, response)
    return stored, customers, groups


@dataclass(frozen=True)
class Reserving:
    """An order's reservation as the batch leaves it, proposed under `id`."""

    id: uuid.UUID
    customer_code: str
    order_ref: str
    check_id: uuid.UUID
    amount: Decimal
    currency: str
    expires_at: datetime


_CHECK_COLUMNS = [c.key for c in CreditCheck.__table__.columns if c.key != "decided_seq"]


async def write_batch(
    session: AsyncSession,
    reserving: Sequence[Reserving],
    checks: Sequence[Any],
    answers: Sequence[tuple[Key, str, int, str]],
) -> dict[uuid.UUID, uuid.UUID]:
    """One round trip: the reservations, the checks (each with the attributes of the
    `credit_checks` columns) in the order they were decided (which
    `decided_seq` keeps), and the answers kept for their keys ((key, request fingerprint, status,
    JSON)). Returns {proposed: kept} for the reservations that kept an order's earlier id."""
    pg = await driver(session)
    rows = await pg.fetch(
        WRITE,
        [r.id for r in reserving],
        [r.customer_code for r in reserving],
        [r.order_ref for r in reserving],
        [r.check_id for r in reserving],
        [r.amount for r in reserving],
        [r.currency for r in reserving],
        [r.expires_at for r in reserving],
        json.dumps([{k: getattr(c, k) for k in _CHECK_COLUMNS} for c in checks], default=str),
        [k[0] for k, _, _, _ in answers],
        [k[1] for k, _, _, _ in answers],
        [h for _, h, _, _ in answers],
        [status for _, _, status, _ in answers],
        [body for _, _, _, body in answers],
    )
    return {row["proposed"]: row["kept"] for row in rows}


async def get(session: AsyncSession, check_id: uuid.UUID) -> CreditCheck | None:
    return await session.get(CreditCheck, check_id)
