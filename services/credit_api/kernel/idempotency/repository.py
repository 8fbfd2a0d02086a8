from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import driver
from shared.models.credit_api import IdempotencyRecord


async def claim_many(
    session: AsyncSession, keys: Sequence[tuple[uuid.UUID, str]]
) -> dict[tuple[uuid.UUID, str], IdempotencyRecord]:
    """Lock the keys until the transaction ends, in a fixed order (two batches never deadlock),
    then read their stored answers (one round trip, migration 0026): a concurrent retry waits,
    then finds this request's answer."""
    pg = await driver(session)
    rows = await pg.fetch(
        "SELECT * FROM credit_api.idempotency_claim_many($1::uuid[], $2::text[])",
        [k for k, _ in keys],
        [n for _, n in keys],
    )
    return {(r["api_key_id"], r["key"]): IdempotencyRecord(**dict(r)) for r in rows}


async def add_many(
    session: AsyncSession, records: Sequence[tuple[uuid.UUID, str, str, int, dict[str, Any]]]
) -> None:
    if not records:
        return
    pg = await driver(session)
    await pg.executemany(
        "INSERT INTO credit_api.idempotency_keys (api_key_id, key, request_hash, status_code, response) "
        "VALUES ($1, $2, $3, $4, $5::jsonb)",
        [(k, n, h, status, json.dumps(response)) for k, n, h, status, response in records],
    )


async def purge_before(session: AsyncSession, cutoff: datetime) -> int:
    result = await session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < cutoff))
    return int(result.rowcount)  # type: ignore[attr-defined]
