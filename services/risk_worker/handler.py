"""How the risk worker applies one Kafka record of ERP events."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any

from aiokafka import ConsumerRecord
from sqlalchemy.ext.asyncio import AsyncSession

from services.risk_worker.alerts.service import evaluate_limits
from services.risk_worker.ledger import repository, service
from services.risk_worker.settings import WorkerSettings
from shared.errors import InvalidEvent
from shared.events import (
    RECEIVABLES_DECREASED,
    CloudEvent,
    CreditNoteIssued,
    CustomerUpserted,
    InvoiceAdjusted,
    InvoiceCancelled,
    InvoiceIssued,
    InvoiceWrittenOff,
    PaymentReceived,
    PaymentReversed,
    ReceivablesDecreased,
    event_data,
    new_event,
    parse_event,
)
from shared.models.risk_worker import Outbox
from shared.outbox import outbox_row

APPLY: dict[type[Any], Callable[[AsyncSession, Any, date], Awaitable[bool]]] = {
    InvoiceIssued: service.issue_invoice,
    InvoiceAdjusted: service.adjust_invoice,
    InvoiceCancelled: service.cancel_invoice,
    InvoiceWrittenOff: service.write_off,
    CreditNoteIssued: service.issue_credit_note,
    PaymentReceived: service.receive_payment,
    PaymentReversed: service.reverse_payment,
}


async def apply_event(session: AsyncSession, data: object, on: date) -> tuple[str, bool] | None:
    """Apply validated event data to the ledger (also used by `credence ledger rebuild`). `on` is
    the business date of events that carry none of their own (adjustments, cancellations)."""
    code: str = getattr(data, "customer_code", "")
    if isinstance(data, CustomerUpserted):
        await repository.seen_customer(session, code, master_data=True)
        return None
    apply = APPLY.get(type(data))
    if apply is None:
        raise InvalidEvent(f"{type(data).__name__} is not an ERP ledger event")
    await repository.seen_customer(session, code, master_data=False)
    return code, await apply(session, data, on)


def _business_date(event: CloudEvent) -> date:
    return (event.time or datetime.now(UTC)).date()


class LedgerHandler:
    """Applies events to the ledger; returns (customer, receivables went down) for the batch's end."""

    def __init__(self, settings: WorkerSettings) -> None:
        self._settings = settings

    async def apply(
        self, session: AsyncSession, record: ConsumerRecord[bytes, bytes]
    ) -> tuple[str, bool] | None:
        if record.value is None:
            raise InvalidEvent("empty record")
        event = parse_event(record.value)
        if record.key is not None and record.key != event.subject.encode():
            # The key decides the partition, and so the order of a customer's events.
            raise InvalidEvent(f"record key {record.key!r} is not the event subject {event.subject!r}")
        data = event_data(event)
        if not await repository.store_event(session, event, record):
            return None
        return await apply_event(session, data, _business_date(event))

    async def complete(self, session: AsyncSession, results: list[tuple[str, bool]]) -> None:
        if not results:
            return
        touched = sorted({code for code, _ in results})
        await evaluate_limits(
            session, touched, source=self._settings.source, topic=self._settings.alerts_topic
        )
        # Held orders in credit_api may pass now; it learns so only after this commit.
        for code in sorted({code for code, decreased in results if decreased}):
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
