"""How the risk worker applies one Kafka record of ERP events."""

from __future__ import annotations

from aiokafka import ConsumerRecord
from sqlalchemy.ext.asyncio import AsyncSession

from services.risk_worker.alerts.service import evaluate_limits
from services.risk_worker.ledger import repository, service
from services.risk_worker.settings import WorkerSettings
from shared.errors import InvalidEvent
from shared.events import InvoiceIssued, event_data, parse_event


class LedgerHandler:
    """Applies events to the ledger; returns the customer touched, for the checks after the batch."""

    def __init__(self, settings: WorkerSettings) -> None:
        self._settings = settings

    async def apply(self, session: AsyncSession, record: ConsumerRecord[bytes, bytes]) -> str | None:
        if record.value is None:
            raise InvalidEvent("empty record")
        event = parse_event(record.value)
        if record.key is not None and record.key != event.subject.encode():
            # The key decides the partition, and so the order of a customer's events.
            raise InvalidEvent(f"record key {record.key!r} is not the event subject {event.subject!r}")
        data = event_data(event)
        if not await repository.store_event(session, event, record):
            return None
        if isinstance(data, InvoiceIssued):
            await service.issue_invoice(session, data)
            return data.customer_code
        raise InvalidEvent(f"the risk worker does not consume {event.type} events")

    async def complete(self, session: AsyncSession, results: list[str]) -> None:
        if results:
            await evaluate_limits(
                session, sorted(set(results)), source=self._settings.source, topic=self._settings.alerts_topic
            )
