"""`Idempotency-Key`: the same key with the same body answers the stored response; with another
body, a conflict. Keys belong to the API key that sent them."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.kernel.idempotency import repository
from services.credit_api.kernel.idempotency.errors import IdempotencyKeyReused
from shared.models.credit_api import IdempotencyRecord


def fingerprint(body: BaseModel) -> str:
    return hashlib.sha256(body.model_dump_json().encode()).hexdigest()


def reused(key: str | None) -> IdempotencyKeyReused:
    return IdempotencyKeyReused(f"Idempotency-Key {key!r} was used with a different request body")


async def claim_many(
    session: AsyncSession, keys: Sequence[tuple[uuid.UUID, str]]
) -> dict[tuple[uuid.UUID, str], IdempotencyRecord]:
    """`replay`'s lock and read for many keys at once; comparing the bodies is the caller's."""
    return await repository.claim_many(session, keys)


async def remember_many(
    session: AsyncSession, records: Sequence[tuple[uuid.UUID, str, str, int, dict[str, Any]]]
) -> None:
    """(API key id, key, request fingerprint, status, response) of answers to keep."""
    await repository.add_many(session, records)


async def purge_before(session: AsyncSession, cutoff: datetime) -> int:
    """Keys older than the retention are forgotten: a retry that late is a new request."""
    return await repository.purge_before(session, cutoff)
