"""How the risk worker applies a batch of Kafka records of ERP events."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.risk_worker.assessments import service as assessments
from services.risk_worker.ledger import service as ledger
from services.risk_worker.settings import WorkerSettings
from shared.consumer import DeadLetters, Record
from shared.domain.errors import InvalidEvent
from shared.domain.ledger import LEDGER_EVENTS, REDELIVERED, LedgerEvent
from shared.events import (
    CREDIT_GROUP_UPSERTED,
    CloudEvent,
    FinancialStatementFiled,
    event_data,
    parse_event,
)
from shared.tracing import current_traceparent

ErpEvent = LedgerEvent | FinancialStatementFiled


def erp_data(event: CloudEvent) -> ErpEvent:
    data = event_data(event)
    if isinstance(data, FinancialStatementFiled):
        return data
    if not isinstance(data, LEDGER_EVENTS):
        raise InvalidEvent(f"{type(data).__name__} is not an ERP event")
    return data


def business_date(event: CloudEvent, default: datetime) -> date:
    """The date of events that carry none of their own (adjustments, cancellations)."""
    return (event.time or default).date()


def _parse(record: Record) -> tuple[CloudEvent, ErpEvent] | None:
    """The event and its data; None for what is not the ledger's (credit_api keeps credit groups)."""
    if record.value is None:
        raise InvalidEvent("empty record")
    event = parse_event(record.value)
    if record.key is not None and record.key != event.subject.encode():
        # The key decides the partition, and so the order of a customer's events.
        raise InvalidEvent(f"record key {record.key!r} is not the event subject {event.subject!r}")
    if event.type == CREDIT_GROUP_UPSERTED:
        return None
    return event, erp_data(event)


class LedgerHandler:
    """The edge of the ERP topic: it parses and validates records (what is malformed goes to the
    dead-letter topic with its reason) and hands the events to the ledger and assessment services,
    in the batch's one transaction."""

    def __init__(self, settings: WorkerSettings) -> None:
        self._settings = settings

    async def apply(self, session: AsyncSession, records: Sequence[Record]) -> DeadLetters:
        dead: DeadLetters = []
        parsed: list[tuple[Record, CloudEvent, ErpEvent]] = []
        for record in records:
            try:
                found = _parse(record)
            except InvalidEvent as exc:
                dead.append((record, exc.detail))
                continue
            if found is not None:
                parsed.append((record, *found))
        fresh = await ledger.unseen(
            session, ((r.topic, r.partition) for r in records), ((e.source, e.id) for _, e, _ in parsed)
        )
        parsed = [(r, e, d) for r, e, d in parsed if (e.source, e.id) in fresh]
        statements: dict[tuple[str, str], tuple[Record, CloudEvent, FinancialStatementFiled]] = {}
        entries: list[tuple[Record, CloudEvent, LedgerEvent]] = []
        for r, e, d in parsed:
            if isinstance(d, FinancialStatementFiled):
                statements.setdefault((e.source, e.id), (r, e, d))
            else:
                entries.append((r, e, d))
        ready = await ledger.dated(session, [(e, d) for _, e, d in entries])
        now = datetime.now(UTC)
        outcomes = await ledger.apply_batch(
            session, self._settings, [((e.source, e.id), d, business_date(e, now)) for e, d in ready], now
        )
        applied: list[tuple[CloudEvent, str, int, int]] = []
        touched: dict[str, bool] = {}
        for (record, _, _), (event, data), outcome in zip(entries, ready, outcomes, strict=True):
            if isinstance(outcome, InvalidEvent):
                dead.append((record, outcome.detail))
                continue
            if outcome is REDELIVERED:
                continue
            applied.append((event, record.topic, record.partition, record.offset))
            if outcome is not None:
                touched[data.customer_code] = touched.get(data.customer_code, False) or outcome
        filed = await assessments.file_statements(session, [d for _, _, d in statements.values()])
        applied += [(e, r.topic, r.partition, r.offset) for r, e, _ in statements.values()]
        await ledger.store(session, applied)
        ledger.announce_decreases(
            session, self._settings, (c for c, decreased in touched.items() if decreased)
        )
        # Reassessed moments later, with whatever else arrives meanwhile: a customer touched by
        # many batches is assessed once, and the batch's commit does not wait for it.
        await assessments.mark_due(session, sorted({*touched, *filed}), current_traceparent())
        return dead
