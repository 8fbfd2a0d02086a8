"""How the risk worker applies a batch of Kafka records of ERP events."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.risk_worker.assessments import repository as assessments
from services.risk_worker.ledger import repository, service
from services.risk_worker.settings import WorkerSettings
from shared.consumer import DeadLetters, Record
from shared.domain.errors import InvalidEvent
from shared.domain.ledger import LEDGER_EVENTS, REDELIVERED, LedgerEvent
from shared.domain.terms import parse_terms
from shared.events import (
    RECEIVABLES_DECREASED,
    CloudEvent,
    FinancialStatementFiled,
    InvoiceIssued,
    ReceivablesDecreased,
    event_data,
    new_event,
    parse_event,
)
from shared.models.risk_worker import Outbox
from shared.outbox import outbox_row
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


def _parse(record: Record) -> tuple[CloudEvent, ErpEvent]:
    if record.value is None:
        raise InvalidEvent("empty record")
    event = parse_event(record.value)
    if record.key is not None and record.key != event.subject.encode():
        # The key decides the partition, and so the order of a customer's events.
        raise InvalidEvent(f"record key {record.key!r} is not the event subject {event.subject!r}")
    return event, erp_data(event)


Parsed = list[tuple[Record, CloudEvent, LedgerEvent]]


async def _with_due_dates(
    session: AsyncSession, events: Sequence[tuple[Record, CloudEvent, ErpEvent]]
) -> Parsed:
    """Invoices that carry no due date get one from their customer's payment terms, and are stored
    with it, so that a rebuild gives the same; without terms, the ledger refuses them."""
    undated = {d.customer_code for _, _, d in events if isinstance(d, InvoiceIssued) and d.due_date is None}
    terms = await repository.payment_terms(session, sorted(undated)) if undated else {}
    dated: Parsed = []
    for record, event, data in events:
        assert not isinstance(data, FinancialStatementFiled)
        code = terms.get(data.customer_code)
        if isinstance(data, InvoiceIssued) and data.due_date is None and code is not None:
            due = parse_terms(code).due_date(data.issue_date)
            data = data.model_copy(update={"due_date": due})
            event = event.model_copy(update={"data": {**event.data, "due_date": due.isoformat()}})
        dated.append((record, event, data))
    return dated


class LedgerHandler:
    def __init__(self, settings: WorkerSettings) -> None:
        self._settings = settings

    async def apply(self, session: AsyncSession, records: Sequence[Record]) -> DeadLetters:
        dead: DeadLetters = []
        parsed: list[tuple[Record, CloudEvent, ErpEvent]] = []
        for record in records:
            try:
                parsed.append((record, *_parse(record)))
            except InvalidEvent as exc:
                dead.append((record, exc.detail))
        await repository.lock_partitions(session, ((r.topic, r.partition) for r in records))
        # The event store is the inbox: what it holds already is a redelivery.
        seen = await repository.stored(session, ((e.source, e.id) for _, e, _ in parsed))
        fresh = [(r, e, d) for r, e, d in parsed if (e.source, e.id) not in seen]
        # A copy of a statement event later in the batch is a redelivery: the first one is kept.
        statements: dict[tuple[str, str], tuple[Record, CloudEvent, FinancialStatementFiled]] = {}
        for r, e, d in fresh:
            if isinstance(d, FinancialStatementFiled):
                statements.setdefault((e.source, e.id), (r, e, d))
        ledger = await _with_due_dates(
            session, [(r, e, d) for r, e, d in fresh if not isinstance(d, FinancialStatementFiled)]
        )
        now = datetime.now(UTC)
        outcomes = await service.apply(
            session, [((e.source, e.id), d, business_date(e, now)) for _, e, d in ledger]
        )
        applied: list[tuple[CloudEvent, str, int, int]] = []
        touched: dict[str, bool] = {}
        for (record, event, data), outcome in zip(ledger, outcomes, strict=True):
            if isinstance(outcome, InvalidEvent):
                dead.append((record, outcome.detail))
                continue
            if outcome is REDELIVERED:
                continue
            applied.append((event, record.topic, record.partition, record.offset))
            if outcome is not None:
                touched[data.customer_code] = touched.get(data.customer_code, False) or outcome
        # A later statement for the same period replaces the earlier one.
        latest = {(d.customer_code, d.period_end): d for _, _, d in statements.values()}
        await assessments.save_statements(session, list(latest.values()))
        applied += [(e, r.topic, r.partition, r.offset) for r, e, _ in statements.values()]
        await repository.store(session, applied)
        await self._complete(session, touched)
        # Reassessed moments later, with whatever else arrives meanwhile: a customer touched by
        # many batches is assessed once, and the batch's commit does not wait for it.
        await assessments.mark_due(
            session, sorted({*touched, *(code for code, _ in latest)}), current_traceparent()
        )
        return dead

    async def _complete(self, session: AsyncSession, touched: dict[str, bool]) -> None:
        if not touched:
            return
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
