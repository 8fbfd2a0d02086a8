"""`Idempotency-Key`: the same key with the same body answers the stored response; with another
body, a conflict. Keys belong to the API key that sent them."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.api_keys.service import Principal
from services.credit_api.idempotency import repository
from services.credit_api.idempotency.errors import IdempotencyKeyReused
from shared.models.credit_api import IdempotencyRecord


def fingerprint(body: BaseModel) -> str:
    return hashlib.sha256(body.model_dump_json().encode()).hexdigest()


async def replay(
    session: AsyncSession, principal: Principal, key: str, body: BaseModel
) -> IdempotencyRecord | None:
    """The stored answer for this key, if any. Holds a lock on the key until the transaction ends,
    so a concurrent retry waits for this one's answer instead of acting twice."""
    key_id = uuid.UUID(principal.key_id)
    record = await repository.claim(session, key_id, key)
    if record is not None and record.request_hash != fingerprint(body):
        raise IdempotencyKeyReused(f"Idempotency-Key {key!r} was used with a different request body")
    return record


async def remember(
    session: AsyncSession,
    principal: Principal,
    key: str,
    body: BaseModel,
    status_code: int,
    response: dict[str, Any],
) -> None:
    await repository.add(
        session,
        IdempotencyRecord(
            api_key_id=uuid.UUID(principal.key_id),
            key=key,
            request_hash=fingerprint(body),
            status_code=status_code,
            response=response,
        ),
    )
