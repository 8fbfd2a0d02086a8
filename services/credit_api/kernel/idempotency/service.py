"""`Idempotency-Key`: the same key with the same body answers the stored response; with another
body, a conflict. Keys belong to the API key that sent them."""

from __future__ import annotations

import hashlib
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.kernel.idempotency import repository
from services.credit_api.kernel.idempotency.errors import IdempotencyKeyReused


def fingerprint(body: BaseModel) -> str:
    return hashlib.sha256(body.model_dump_json().encode()).hexdigest()


def reused(key: str | None) -> IdempotencyKeyReused:
    return IdempotencyKeyReused(f"Idempotency-Key {key!r} was used with a different request body")


async def purge_before(session: AsyncSession, cutoff: datetime) -> int:
    """Keys older than the retention are forgotten: a retry that late is a new request."""
    return await repository.purge_before(session, cutoff)
