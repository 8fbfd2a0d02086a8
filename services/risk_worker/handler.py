"""How the risk worker applies a batch of Kafka records of ERP events."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.risk_worker.alerts.service import evaluate_limits
from services.risk_worker.ledger import repository, service
from services.risk_worker.settings import WorkerSettings
from shared.consumer import DeadLetters, Record
from shared.domain.errors import InvalidEvent
from shared.domain.ledger import LEDGER_EVENTS, REDELIVERED, LedgerEvent
from shared.events import (
    RECEIVABLES_DECREASED,
    CloudEvent,
    ReceivablesDecreased,
    event_data,
    new_event,
    parse_event,
)
from shared.models.risk_worker import Outbox
from shared.outbox import outbox_row


def ledger_data(event: CloudEvent) -> LedgerEvent:
    data = event_data(event)
    if not isinstance(data, LEDGER_EVENTS):
        raise InvalidEvent(f"{type(data).__name__} is not an ERP ledger event")
    return data


def business_date(event: CloudEvent, default: datetime) -> date:
    """The date of events that carry none of their own (adjustments, cancellations)."""
    return (event.time or default).date()


def _parse(record: Record) -> tuple[CloudEvent, LedgerEvent]:
    if record.value is None:
        raise InvalidEvent("empty record")
    event = parse_event(record.value)
    if record.key is not None and record.key != event.subject.encode():
        # The key decides the partition, and so the order of a customer's events.
        raise InvalidEvent(f"record key {record.key!r} is not the event subject {event.subject!r}")
    return event, ledger_data(event)


class LedgerHandler:
    def __init__(self, settings: WorkerSettings) -> None:
        self._settings = settings

    async def apply(self, session: AsyncSession, records: Sequence[Record]) -> DeadLetters:
        dead: DeadLetters = []
        parsed: list[tuple[Record, CloudEvent, LedgerEvent]] = []
        for record in records:
            try:
                parsed.append((record, *_parse(record)))
            except InvalidEvent as exc:
                dead.append((record, exc.detail))
        await repository.lock_partitions(session, ((r.topic, r.partition) for r in records))
        # The event store is the inbox: what it holds already is a redelivery.
        seen = await repository.stored(session, ((e.source, e.id) for _, e, _ in parsed))
        fresh = [(r, e, d) for r, e, d in parsed if (e.source, e.id) not in seen]
        now = datetime.now(UTC)
        outcomes = await service.apply(
            session, [((e.source, e.id), d, business_date(e, now)) for _, e, d in fresh]
        )
        applied: list[tuple[CloudEvent, str, int, int]] = []
        touched: dict[str, bool] = {}
        for (record, event, data), outcome in zip(fresh, outcomes, strict=True):
            if isinstance(outcome, InvalidEvent):
                dead.append((record, outcome.detail))
                continue
            if outcome is REDELIVERED:
                continue
            applied.append((event, record.topic, record.partition, record.offset))
            if outcome is not None:
                touched[data.customer_code] = touched.get(data.customer_code, False) or outcome
        await repository.store(session, applied)
        await self._complete(session, touched)
        return dead

    async def _complete(self, session: AsyncSession, touched: dict[str, bool]) -> None:
        if not touched:
            return
        await evaluate_limits(
            session, sorted(touched), source=self._settings.source, topic=self._settings.alerts_topic
        )
        # Held orders in credit_api may pass now; it learns so only after this commit.
        for code in sorted(code for code, decreased in touched.items() if decreased):
            session.add(
                outbox_row(
                    Outbox,
                    self._settings.risk_events_topic,
                    new_event(
                        source=self._settings.source,
                        type_=RECEIVABLES_DECREASED,
                        subject=code,
                        data=ReceivablesDecreased(customer_code=code),
                    ),
                )
            )
