"""credit_api's event consumer: ERP master data (`customer.upserted`, `credit_group.upserted`),
ledger news that may release held orders (`receivables.decreased`), and assessments that grade the
credit file (`risk.assessment_changed`)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import NamedTuple

from aiokafka import ConsumerRecord
from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.credit.credit_groups import service as credit_groups
from services.credit_api.credit.credit_groups.schemas import CreditGroupIn
from services.credit_api.credit.customers import service as customers
from services.credit_api.credit.customers.schemas import CustomerData
from services.credit_api.credit.customers.service import Assessed
from services.credit_api.credit.events import ReceivablesDecreased
from services.credit_api.kernel import messagebus
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.settings import ApiSettings
from services.credit_api.warnings.alerts import service as alerts
from shared.domain.errors import CredenceError, InvalidEvent
from shared.events import (
    ASSESSMENT_CHANGED,
    CREDIT_GROUP_UPSERTED,
    CREDIT_NOTE_ISSUED,
    CUSTOMER_UPSERTED,
    INVOICE_ISSUED,
    PAYMENT_RECEIVED,
    RECEIVABLES_DECREASED,
    WARNING_LEVEL_CHANGED,
    AssessmentChanged,
    CreditGroupUpserted,
    CreditNoteIssued,
    CustomerUpserted,
    InvoiceIssued,
    PaymentReceived,
    WarningLevelChanged,
    event_data,
    parse_event,
)
from shared.inbox import remember
from shared.models.credit_api import InboxEntry
from shared.roles import Role

# Ledger events that can be a customer's first: they carry the currency a stub needs.
OPENING_TYPES = {INVOICE_ISSUED, CREDIT_NOTE_ISSUED, PAYMENT_RECEIVED}
HANDLED = {
    CUSTOMER_UPSERTED,
    CREDIT_GROUP_UPSERTED,
    RECEIVABLES_DECREASED,
    ASSESSMENT_CHANGED,
    WARNING_LEVEL_CHANGED,
    *OPENING_TYPES,
}
# The risk worker's assessments, as the audit log names their author.
ASSESSOR = Principal(key_id=str(uuid.UUID(int=0)), name="risk-worker", role=Role.ADMIN, kind="system")


class Stub(NamedTuple):
    """A customer a ledger event names, to be created as a stub if the credit file lacks it."""

    customer_code: str
    currency: str
    source: str


def _sender(source: str) -> Principal:
    return Principal(key_id=str(uuid.UUID(int=0)), name=source, role=Role.ERP, kind="event")


class CreditApiHandler:
    """Returns the stubs to create, and the customers whose held orders deserve another look, once
    the batch is applied."""

    def __init__(self, settings: ApiSettings) -> None:
        self._settings = settings

    async def apply(
        self, session: AsyncSession, record: ConsumerRecord[bytes, bytes]
    ) -> Stub | Assessed | str | None:
        try:
            event = parse_event(record.value or b"")
            if event.type not in HANDLED:
                return None
            data = event_data(event)
        except InvalidEvent:
            if record.topic == self._settings.ar_events_topic:
                return None  # the risk worker validates that topic and dead-letters what is malformed
            raise
        principal = _sender(event.source)
        if isinstance(data, InvoiceIssued | CreditNoteIssued | PaymentReceived):
            return Stub(data.customer_code, data.currency, event.source)
        if not await remember(session, InboxEntry, event.source, event.id):
            return None
        if isinstance(data, CustomerUpserted):
            body = CustomerData.model_validate(
                {
                    **data.model_dump(exclude={"customer_code", "contacts"}, exclude_none=True),
                    "contacts": data.contacts.model_dump(exclude_none=True) if data.contacts else {},
                }
            )
            try:
                await customers.upsert(
                    session, principal, data.customer_code, body, self._settings, datetime.now(UTC)
                )
            except CredenceError as exc:
                raise InvalidEvent(exc.detail) from None
            return None
        if isinstance(data, CreditGroupUpserted):
            group = CreditGroupIn(name=data.name, currency=data.currency, parent=data.parent)
            try:
                await credit_groups.put(
                    session, principal, data.group_code, group, datetime.now(UTC), stub_parent=True
                )
            except CredenceError as exc:
                raise InvalidEvent(exc.detail) from None
            return None
        if isinstance(data, WarningLevelChanged):
            # Rare and with effects of their own (blocks, limit requests): applied one by one.
            await alerts.apply_change(session, data, self._settings, datetime.now(UTC))
            return None
        if isinstance(data, AssessmentChanged):
            return Assessed(
                data.customer_code,
                data.grade,
                Decimal(data.score),
                data.previous_grade,
                data.as_of,
                data.review_months,
            )
        return event.subject

    async def complete(self, session: AsyncSession, results: list[Stub | Assessed | str]) -> None:
        # One statement for the batch's stubs: ledger events come by the thousand.
        stubs: dict[str, tuple[str, Principal]] = {}
        for r in results:
            if isinstance(r, Stub) and r.customer_code not in stubs:
                stubs[r.customer_code] = (r.currency, _sender(r.source))
        await customers.ensure_stubs(session, stubs)
        await customers.apply_assessments(session, ASSESSOR, [r for r in results if isinstance(r, Assessed)])
        now = datetime.now(UTC)
        await messagebus.publish(
            session,
            self._settings,
            *(ReceivablesDecreased(now, code) for code in sorted({r for r in results if isinstance(r, str)})),
        )
