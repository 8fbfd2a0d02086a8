from __future__ import annotations

import json
import uuid
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import driver
from shared.models.credit_api import IdempotencyRecord


async def claim(session: AsyncSession, api_key_id: uuid.UUID, key: str) -> IdempotencyRecord | None:
    """Lock the key until the transaction ends, then read its stored answer (one round trip,
    migration 0004): a concurrent retry waits, then finds this request's answer."""
    pg = await driver(session)
    row = await pg.fetchrow("SELECT * FROM credit_api.idempotency_claim($1, $2)", api_key_id, key)
    if row is None:
        return None
    return IdempotencyRecord(**dict(row))  # the session's connection decodes jsonb


async def add(session: AsyncSession, record: IdempotencyRecord) -> None:
    pg = await driver(session)
    await pg.execute(
        "INSERT INTO credit_api.idempotency_keys (api_key_id, key, request_hash, status_code, response) "
        "VALUES ($1, $2, $3, $4, $5::jsonb)",
        record.api_key_id,
        record.key,
        record.request_hash,
        record.status_code,
        json.dumps(record.response),
    )


async def purge_before(session: AsyncSession, cutoff: datetime) -> int:
    result = await session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < cutoff))
    return int(result.rowcount)  # type: ignore[attr-defined]
