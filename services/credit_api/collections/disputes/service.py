"""Disputes: a contested invoice leaves dunning at once and stays in exposure and ageing. Accepted,
it waits for the credit note (still out of dunning); rejected, its dunning resumes where it was."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import PurePosixPath

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.access.audit.service import record
from services.credit_api.collections.disputes import repository
from services.credit_api.collections.disputes.errors import (
    AmbiguousInvoice,
    AttachmentNotFound,
    AttachmentRefused,
    AttachmentTooLarge,
    DisputeNotFound,
    DisputeSettled,
    InvalidDispute,
    InvoiceNotOpen,
)
from services.credit_api.collections.disputes.schemas import (
    AttachmentOut,
    DisputeIn,
    DisputeOut,
    ResolutionIn,
)
from services.credit_api.collections.receivables import repository as ledger
from services.credit_api.credit.customers import service as customers
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.settings import ApiSettings
from shared.domain.money import format_amount, parse_amount
from shared.events import DISPUTE_CLOSED, DISPUTE_OPENED, DISPUTE_RESOLVED, DisputeChanged, new_event
from shared.models.credit_api import Dispute, DisputeAttachment, Outbox
from shared.outbox import outbox_row

# What a customer may attach, known by the file's first bytes rather than by its name or the type
# the browser claims: a delivery note or a letter (PDF), a photo (PNG, JPEG).
ATTACHMENT_TYPES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes


def attachment_type(data: bytes) -> str | None:
    return next((kind for magic, kind in ATTACHMENT_TYPES if data.startswith(magic)), None)


def _checked(attachment: Attachment, settings: ApiSettings) -> DisputeAttachment:
    limit = settings.portal_max_attachment_bytes
    if len(attachment.data) > limit:
        raise AttachmentTooLarge(
            f"the attachment has {len(attachment.data)} bytes; at most {limit}", limit=limit
        )
    kind = attachment_type(attachment.data)
    if kind is None:
        raise AttachmentRefused.at("/attachment", "a PDF, PNG or JPEG file")
    name = PurePosixPath(attachment.filename.replace("\\", "/")).name[-200:] or "attachment"
    return DisputeAttachment(id=uuid.uuid4(), filename=name, content_type=kind, size=len(attachment.data))


async def open_dispute(
    session: AsyncSession,
    principal: Principal,
    item_id: str,
    body: DisputeIn,
    now: datetime,
    settings: ApiSettings,
    attachment: Attachment | None = None,
) -> DisputeOut:
    """A dispute of an open invoice, with a document the customer sent (checked before anything is
    written)."""
    stored = None if attachment is None else _checked(attachment, settings)
    found = await repository.open_invoices_named(session, item_id, body.customer_code)
    if not found:
        raise InvoiceNotOpen(f"no open invoice {item_id}")
    if len(found) > 1:
        codes = ", ".join(sorted(code for code, _, _ in found))
        raise AmbiguousInvoice(f"invoice {item_id} exists for {codes}: name the customer_code")
    code, currency, owed = found[0]
    if await repository.live(session, code, item_id) is not None:
        raise DisputeSettled(f"invoice {item_id} of {code} is disputed already")
    amount = owed if body.amount is None else parse_amount(body.amount, currency)
    if amount > owed:
        detail = f"more than the invoice owes ({format_amount(owed, currency)})"
        raise InvalidDispute(detail, errors=[{"pointer": "#/amount", "detail": detail}])
    dispute = Dispute(
        id=uuid.uuid4(),
        customer_code=code,
        item_id=item_id,
        reason_code=body.reason_code,
        amount=amount,
        currency=currency,
        note=body.note,
        status="open",
        opened_on=now.date(),
        created_by=principal.actor,
        created_at=now,
    )
    await repository.add(session, dispute)
    if stored is not None and attachment is not None:
        stored.dispute_id, stored.data = dispute.id, attachment.data
        await repository.add_attachment(session, stored)
    await _changed(session, principal, dispute, DISPUTE_OPENED, settings)
    return view(dispute)


async def resolve(
    session: AsyncSession,
    principal: Principal,
    dispute_id: uuid.UUID,
    body: ResolutionIn,
    now: datetime,
    settings: ApiSettings,
) -> DisputeOut:
    dispute = await repository.get(session, dispute_id)
    if dispute is None:
        raise DisputeNotFound(f"dispute {dispute_id} does not exist")
    if dispute.status != "open":
        raise DisputeSettled(f"dispute {dispute_id} is {dispute.status} already")
    dispute.status, dispute.resolution_note = body.resolution, body.note
    dispute.resolved_by, dispute.resolved_at = principal.actor, now
    await _changed(session, principal, dispute, DISPUTE_RESOLVED, settings)
    return view(dispute)


async def paused(session: AsyncSession, codes: Sequence[str]) -> dict[str, set[str]]:
    """Per customer, its invoices out of dunning by a live dispute."""
    found: dict[str, set[str]] = {}
    for code, item_id in await repository.disputed_items(session, codes):
        found.setdefault(code, set()).add(item_id)
    return found


async def close_settled(
    session: AsyncSession, as_of: date, principal: Principal, settings: ApiSettings
) -> list[Dispute]:
    """Accepted disputes whose invoice has since come down by the disputed amount (the credit
    note, or a payment) are closed."""
    accepted = await repository.accepted(session)
    since = await ledger.reductions(session, [(d.customer_code, d.item_id) for d in accepted])
    closed = []
    for d in accepted:
        resolved_on = d.resolved_at.date() if d.resolved_at else d.opened_on
        came_off = sum(
            (
                amount
                for day, amount in since.get((d.customer_code, d.item_id), [])
                if resolved_on <= day <= as_of
            ),
            Decimal(0),
        )
        if came_off >= d.amount:
            d.status = "closed"
            await _changed(session, principal, d, DISPUTE_CLOSED, settings)
            closed.append(d)
    return closed


async def escalate_aged(session: AsyncSession, as_of: date, age_days: int) -> list[Dispute]:
    """Open disputes older than `age_days`, each escalated once (to the worklist, by the caller)."""
    aged = await repository.aged(session, as_of - timedelta(days=age_days))
    for d in aged:
        d.escalated_on = as_of
    return list(aged)


async def of_customer(session: AsyncSession, customer_code: str) -> list[DisputeOut]:
    await customers.get(session, customer_code)
    return [view(d) for d in await repository.of_customer(session, customer_code)]


async def attachments_of(
    session: AsyncSession, dispute_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[AttachmentOut]]:
    found: dict[uuid.UUID, list[AttachmentOut]] = {}
    for id_, dispute_id, name, kind, size in await repository.attachments_of(session, dispute_ids):
        found.setdefault(dispute_id, []).append(
            AttachmentOut(id=id_, filename=name, content_type=kind, size=size)
        )
    return found


async def attachment(
    session: AsyncSession, customer_code: str, attachment_id: uuid.UUID
) -> DisputeAttachment:
    """An attachment of one of the customer's disputes; another customer's is not found."""
    found = await repository.attachment(session, customer_code, attachment_id)
    if found is None:
        raise AttachmentNotFound(f"attachment {attachment_id} does not exist")
    return found


def view(d: Dispute) -> DisputeOut:
    return DisputeOut.model_validate(
        {
            **{k: getattr(d, k) for k in DisputeOut.model_fields if k != "amount"},
            "amount": format_amount(d.amount, d.currency),
        }
    )


async def _changed(
    session: AsyncSession, principal: Principal, d: Dispute, type_: str, settings: ApiSettings
) -> None:
    data = DisputeChanged.model_validate(
        {
            "dispute_id": d.id,
            "customer_code": d.customer_code,
            "item_id": d.item_id,
            "reason_code": d.reason_code,
            "amount": format_amount(d.amount, d.currency),
            "currency": d.currency,
            "status": d.status,
            "changed_by": principal.actor,
        }
    )
    await record(
        session, principal, type_, "dispute", str(d.id), before=None, after=data.model_dump(mode="json")
    )
    event = new_event(source=settings.source, type_=type_, subject=d.customer_code, data=data)
    session.add(outbox_row(Outbox, settings.credit_events_topic, event))
