"""`credence dlq replay`: send dead letters back to the topic they came from, once the cause is fixed.
A replayed event that still cannot apply comes back as a new dead letter with its reason."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer
from sqlalchemy.ext.asyncio import AsyncSession

from services.risk_worker.dead_letters import repository


async def replay(session: AsyncSession, producer: AIOKafkaProducer, ids: Sequence[int] | None) -> int:
    letters = await repository.pending(session, ids)
    for letter in letters:
        await producer.send_and_wait(
            letter.topic, letter.payload.encode(), key=letter.key.encode() if letter.key else None
        )
    await repository.mark_replayed(session, [letter.id for letter in letters], datetime.now(UTC))
    return len(letters)
