"""Batch consumption with exactly-once effect.

Each batch is applied in one database transaction, where the handler also records every event's
`(source, id)`; Kafka offsets are committed only after that transaction commits. A crash between
the two re-delivers the batch, and the inbox turns the repeat into a no-op. Events that can never
be applied go to a dead-letter topic with the reason, and the batch goes on without them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeAlias, TypeVar

import structlog
from aiokafka import (
    AIOKafkaConsumer,
    AIOKafkaProducer,
    ConsumerRebalanceListener,
    ConsumerRecord,
    TopicPartition,
)
from aiokafka.errors import CommitFailedError, KafkaError
from opentelemetry.trace import SpanKind
from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.domain.errors import InvalidEvent
from shared.models.risk_worker import DeadLetter
from shared.tracing import TRACEPARENT, continued, tracer

log = structlog.get_logger(__name__)

T = TypeVar("T")

RECORDS = Counter("credence_consumer_records_total", "Records consumed", ["consumer", "outcome"])
BATCH_SECONDS = Histogram(
    "credence_consumer_batch_seconds", "Time to apply and commit one batch", ["consumer"]
)
LAG = Gauge(
    "credence_consumer_lag",
    "Records of a partition not yet consumed (its last stable offset less the consumer's position)",
    ["consumer", "topic", "partition"],
)


Record: TypeAlias = ConsumerRecord[bytes, bytes]
DeadLetters: TypeAlias = list[tuple[Record, str]]


class BatchHandler(Protocol):
    async def apply(self, session: AsyncSession, records: Sequence[Record]) -> DeadLetters:
        """Apply a batch in the session's transaction; return the records that can never be applied,
        with the reason, having applied none of them."""


class RecordHandler(Protocol[T]):
    async def apply(self, session: AsyncSession, record: Record) -> T | None:
        """Apply one record; raise InvalidEvent if it can never be applied."""

    async def complete(self, session: AsyncSession, results: list[T]) -> None:
        """Work that follows the whole batch, in the same transaction."""


class EachRecord(Generic[T]):
    """A batch handler made of a handler of one record at a time."""

    def __init__(self, handler: RecordHandler[T]) -> None:
        self._handler = handler

    async def apply(self, session: AsyncSession, records: Sequence[Record]) -> DeadLetters:
        try:
            async with session.begin_nested():
                return await self._apply_all(session, records, guarded=False)
        except InvalidEvent:
            # Rare: apply the batch again, each record behind a savepoint, leaving out the bad ones.
            return await self._apply_all(session, records, guarded=True)

    async def _apply_all(
        self, session: AsyncSession, records: Sequence[Record], *, guarded: bool
    ) -> DeadLetters:
        """Unguarded, a bad record aborts the batch (savepoints cost two round trips a record, and
        bad records are rare); guarded, each record gets a savepoint."""
        results: list[T] = []
        dead: DeadLetters = []
        for record in records:
            if not guarded:
                result = await self._handler.apply(session, record)
            else:
                try:
                    async with session.begin_nested():
                        result = await self._handler.apply(session, record)
                except InvalidEvent as exc:
                    dead.append((record, exc.detail))
                    continue
            if result is not None:
                results.append(result)
        await self._handler.complete(session, results)
        return dead


@dataclass(frozen=True)
class ConsumerConfig:
    name: str
    bootstrap: str
    topics: Sequence[str]
    group_id: str
    dead_letter_topic: str
    max_records: int = 500
    poll_timeout_ms: int = 200
    retry_backoff_seconds: float = 1.0
    # Also keep dead letters in risk_worker.dead_letters, with the batch, for listing and replay.
    keep_dead_letters: bool = False


class _WaitForBatch(ConsumerRebalanceListener):  # type: ignore[misc]
    """Partitions are handed over only between batches, never in the middle of one."""

    def __init__(self, lock: asyncio.Lock) -> None:
        self._lock = lock

    async def on_partitions_revoked(self, revoked: Any) -> None:
        async with self._lock:
            log.info("partitions revoked", partitions=sorted(str(tp) for tp in revoked))

    async def on_partitions_assigned(self, assigned: Any) -> None:
        log.info("partitions assigned", partitions=sorted(str(tp) for tp in assigned))


class BatchConsumer:
    def __init__(
        self,
        config: ConsumerConfig,
        sessions: async_sessionmaker[AsyncSession],
        handler: BatchHandler,
        producer: AIOKafkaProducer,
    ) -> None:
        self._config = config
        self._sessions = sessions
        self._handler = handler
        self._producer = producer
        self._lock = asyncio.Lock()
        self.assigned = asyncio.Event()
        self._lag_reported: set[TopicPartition] = set()

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until `stop` is set; the batch in hand is finished and committed first."""
        cfg = self._config
        consumer = AIOKafkaConsumer(
            bootstrap_servers=cfg.bootstrap,
            group_id=cfg.group_id,
            client_id=cfg.name,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
            max_poll_records=cfg.max_records,
            session_timeout_ms=10_000,
            heartbeat_interval_ms=1_000,
        )
        consumer.subscribe(list(cfg.topics), listener=_WaitForBatch(self._lock))
        await consumer.start()
        try:
            while not stop.is_set():
                batch = await consumer.getmany(timeout_ms=cfg.poll_timeout_ms, max_records=cfg.max_records)
                if consumer.assignment():
                    self.assigned.set()
                async with self._lock:
                    # Partitions revoked since the fetch belong to another consumer now, which reads
                    # them again from the last commit: applying them here too would race it.
                    owned = consumer.assignment()
                    batch = {tp: records for tp, records in batch.items() if tp in owned}
                    if batch:
                        await self._process(consumer, batch)
                    await self._report_lag(consumer, owned)
        finally:
            # Leaves the group at once, so partitions move to the other members without waiting.
            await consumer.stop()

    async def _process(self, consumer: AIOKafkaConsumer, batch: dict[TopicPartition, list[Record]]) -> None:
        cfg = self._config
        dead: DeadLetters = []
        with BATCH_SECONDS.labels(cfg.name).time():
            try:
                dead = await self._apply([r for records in batch.values() for r in records])
                for record, reason in dead:
                    await self._dead_letter(record, reason)
            except (DBAPIError, OSError, KafkaError) as exc:
                # Nothing of this batch was committed: read it again after a pause.
                log.warning("batch failed; retrying", consumer=cfg.name, error=str(exc))
                for tp, records in batch.items():
                    consumer.seek(tp, records[0].offset)
                await asyncio.sleep(cfg.retry_backoff_seconds)
                return
            offsets = {tp: records[-1].offset + 1 for tp, records in batch.items()}
            try:
                await consumer.commit(offsets)
            except CommitFailedError:
                # The group rebalanced: the partitions' new owner re-reads from the last commit and
                # its inbox skips what this batch already applied.
                log.warning("offset commit refused after rebalance", consumer=cfg.name)
        applied = sum(len(r) for r in batch.values()) - len(dead)
        RECORDS.labels(cfg.name, "applied").inc(applied)
        RECORDS.labels(cfg.name, "dead_lettered").inc(len(dead))

    async def _report_lag(self, consumer: AIOKafkaConsumer, owned: set[TopicPartition]) -> None:
        """Lag of the partitions this consumer owns; one that moved to another consumer is no longer
        reported here, so summing the gauge over the group counts each partition once."""
        name = self._config.name
        for tp in self._lag_reported - owned:
            LAG.remove(name, tp.topic, str(tp.partition))
        self._lag_reported &= owned
        for tp in owned:
            end = consumer.last_stable_offset(tp)
            if end is None:
                continue  # no fetch answered for it yet
            LAG.labels(name, tp.topic, str(tp.partition)).set(max(0, end - await consumer.position(tp)))
            self._lag_reported.add(tp)

    async def _apply(self, records: Sequence[Record]) -> DeadLetters:
        """The batch in one transaction, its dead letters kept with it when so configured; traced
        as the continuation of its first event's trace, linked to the others'."""
        parent, links = continued(
            value.decode(errors="replace")
            for record in records
            for name, value in record.headers or ()
            if name == TRACEPARENT
        )
        span = tracer.start_as_current_span(
            f"{self._config.name} apply",
            context=parent,
            links=links,
            kind=SpanKind.CONSUMER,
            attributes={"messaging.batch.message_count": len(records)},
        )
        with span:
            async with self._sessions() as session, session.begin():
                dead = await self._handler.apply(session, records)
                if self._config.keep_dead_letters and dead:
                    rows = [
                        {
                            "consumer": self._config.name,
                            "topic": r.topic,
                            "partition": r.partition,
                            "offset": r.offset,
                            "key": r.key.decode(errors="replace") if r.key else None,
                            "payload": (r.value or b"").decode(errors="replace"),
                            "reason": reason[:2000],
                        }
                        for r, reason in dead
                    ]
                    await session.execute(insert(DeadLetter).values(rows).on_conflict_do_nothing())
        return dead

    async def _dead_letter(self, record: Record, reason: str) -> None:
        log.warning(
            "event dead-lettered",
            consumer=self._config.name,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            reason=reason,
        )
        headers = [
            ("dlq.reason", reason.encode()),
            ("dlq.consumer", self._config.name.encode()),
            ("dlq.source.topic", record.topic.encode()),
            ("dlq.source.partition", str(record.partition).encode()),
            ("dlq.source.offset", str(record.offset).encode()),
        ]
        await self._producer.send_and_wait(
            self._config.dead_letter_topic, value=record.value, key=record.key, headers=headers
        )
