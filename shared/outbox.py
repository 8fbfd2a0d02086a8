"""The outbox relay: publishes what transactions wrote to their outbox table, then deletes it.

A crash after publishing and before deleting publishes the rows again; consumers deduplicate by
the CloudEvent's `(source, id)`, so the repeat has no effect.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

import structlog
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from prometheus_client import Counter
from sqlalchemy import Table, delete, inspect, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.db import driver
from shared.events import CloudEvent, encode
from shared.models.base import OutboxMixin
from shared.tracing import TRACEPARENT, current_traceparent

log = structlog.get_logger(__name__)

Row = TypeVar("Row", bound=OutboxMixin)

RELAYED = Counter("credence_outbox_relayed_total", "Outbox rows published to Kafka", ["topic"])


def outbox_row(model: type[Row], topic: str, event: CloudEvent) -> Row:
    """The event as its transaction leaves it, carrying the trace it was written in."""
    row = model()
    row.topic = topic
    row.key = event.subject
    row.payload = json.loads(_traced(event, current_traceparent()))
    return row


async def add_to_outbox(
    session: AsyncSession, model: type[Row], events: Sequence[tuple[str, CloudEvent]]
) -> None:
    """Many events (topic, CloudEvent) in one statement, each encoded once: a scorecard change or
    an overdue sweep writes thousands."""
    if not events:
        return
    traceparent = current_traceparent()
    table = inspect(model).local_table
    assert isinstance(table, Table)
    conn = await driver(session)
    await conn.execute(
        f"INSERT INTO {table.fullname} (topic, key, payload) "  # noqa: S608 (a model's own table)
        "SELECT t, k, p::jsonb FROM unnest($1::text[], $2::text[], $3::text[]) AS u(t, k, p)",
        [topic for topic, _ in events],
        [event.subject for _, event in events],
        [_traced(event, traceparent).decode() for _, event in events],
    )


def _traced(event: CloudEvent, traceparent: str | None) -> bytes:
    if traceparent is not None:
        event = event.model_copy(update={"traceparent": traceparent})
    return encode(event)


class OutboxRelay(Generic[Row]):
    def __init__(
        self,
        model: type[Row],
        sessions: async_sessionmaker[AsyncSession],
        producer: AIOKafkaProducer,
        *,
        batch_size: int = 500,
        idle_seconds: float = 0.1,
    ) -> None:
        self._model = model
        self._sessions = sessions
        self._producer = producer
        self._batch_size = batch_size
        self._idle = idle_seconds

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                published = await self.relay_once()
            except (DBAPIError, OSError, KafkaError) as exc:
                log.warning("outbox relay failed; retrying", error=str(exc))
                published = 0
            if not published:
                # Sleep, but wake at once when asked to stop.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self._idle)

    async def relay_once(self) -> int:
        model = self._model
        async with self._sessions() as session, session.begin():
            claim = select(model).order_by(model.id).limit(self._batch_size).with_for_update(skip_locked=True)
            rows = (await session.execute(claim)).scalars().all()
            if not rows:
                return 0
            sent: list[Any] = [
                await self._producer.send(
                    row.topic,
                    value=json.dumps(row.payload).encode(),
                    key=row.key.encode(),
                    # Also as a header: a consumer continues the trace without parsing the event.
                    headers=[(TRACEPARENT, str(row.payload[TRACEPARENT]).encode())]
                    if TRACEPARENT in row.payload
                    else None,
                )
                for row in rows
            ]
            await asyncio.gather(*sent)
            await session.execute(delete(model).where(model.id.in_([row.id for row in rows])))
        for row in rows:
            RELAYED.labels(row.topic).inc()
        return len(rows)
