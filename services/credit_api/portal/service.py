"""What a customer does at its portal, each one command: the noun's own (the same rules, audit and
events as through the API), then a line in the customer's contact log, so the credit controller
sees the portal's actions beside calls and visits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.concurrency import run_in_threadpool

from services.credit_api.access.portal_links import service as portal_links
from services.credit_api.collections.contacts import service as contact_log
from services.credit_api.collections.contacts.schemas import ContactIn
from services.credit_api.collections.disputes import service as disputes
from services.credit_api.collections.disputes.schemas import (
    AttachmentOut,
    DisputeIn,
    DisputeOut,
    DisputeReason,
)
from services.credit_api.collections.interest import service as interest
from services.credit_api.collections.promises import service as promises
from services.credit_api.collections.promises.schemas import PromiseIn, PromiseOut
from services.credit_api.credit.customers import service as customers
from services.credit_api.finance.ageing import service as ageing
from services.credit_api.finance.statements import documents
from services.credit_api.finance.statements import service as statements
from services.credit_api.kernel.settings import ApiSettings
from shared.domain.errors import NotFound
from shared.models.credit_api import Customer, PortalLink

LIVE_DISPUTE = ("open", "accepted")


@dataclass(frozen=True)
class OpenItem:
    item_id: str
    currency: str
    issued: date
    due: date
    days_overdue: int
    open_amount: Decimal
    interest: Decimal  # accrued to today, with the fixed compensation
    promised_for: date | None
    disputed: str | None  # the reason of a live dispute


@dataclass(frozen=True)
class Account:
    customer: Customer
    items: list[OpenItem]
    totals: dict[str, Decimal]
    promises: list[PromiseOut]
    disputes: list[DisputeOut]
    attachments: dict[uuid.UUID, list[AttachmentOut]]
    sent: list[tuple[date, date, date]]


async def account(session: AsyncSession, link: PortalLink, today: date) -> Account:
    """The customer's account as its portal shows it."""
    code = link.customer_code
    promised = await promises.of_customer(session, code)
    disputed = await disputes.of_customer(session, code)
    accruing = {
        c.item_id: c for c in await interest.of_customer(session, code, today) if c.status == "accruing"
    }
    promise = {i: p.promised_date for p in promised if p.status == "open" for i in p.item_ids}
    dispute = {d.item_id: d.reason_code for d in disputed if d.status in LIVE_DISPUTE}
    items = []
    totals: dict[str, Decimal] = {}
    for item, currency, issued, due, amount in await ageing.open_items(session, code, today):
        claim = accruing.get(item)
        items.append(
            OpenItem(
                item_id=item,
                currency=currency,
                issued=issued,
                due=due,
                days_overdue=max(0, (today - due).days),
                open_amount=amount,
                interest=Decimal(0)
                if claim is None
                else Decimal(claim.interest) + Decimal(claim.compensation),
                promised_for=promise.get(item),
                disputed=dispute.get(item),
            )
        )
        totals[currency] = totals.get(currency, Decimal(0)) + amount
    return Account(
        customer=await customers.get(session, code),
        items=items,
        totals=totals,
        promises=list(reversed(promised)),
        disputes=list(reversed(disputed)),
        attachments=await disputes.attachments_of(session, [d.id for d in disputed]),
        sent=await statements.sent(session, code),
    )


async def language_of(session: AsyncSession, link: PortalLink) -> str | None:
    return (await customers.get(session, link.customer_code)).language


async def item(session: AsyncSession, link: PortalLink, item_id: str, today: date) -> OpenItem:
    """One of the customer's open items; another customer's is not found."""
    found = next((i for i in (await account(session, link, today)).items if i.item_id == item_id), None)
    if found is None:
        raise NotFound(f"no open item {item_id}")
    return found


async def dispute(session: AsyncSession, link: PortalLink, dispute_id: uuid.UUID) -> DisputeOut:
    """One of the customer's disputes; another customer's is not found."""
    found = next(
        (d for d in await disputes.of_customer(session, link.customer_code) if d.id == dispute_id), None
    )
    if found is None:
        raise NotFound(f"no dispute {dispute_id}")
    return found


async def promise(
    session: AsyncSession,
    link: PortalLink,
    item_id: str,
    promised_date: date,
    note: str | None,
    now: datetime,
    settings: ApiSettings,
) -> PromiseOut:
    principal = portal_links.principal_of(link)
    body = PromiseIn(item_ids=[item_id], promised_date=promised_date, channel="portal", note=note)
    made = await promises.make(session, principal, link.customer_code, body, now, settings)
    summary = f"Promised to pay {item_id} ({made.currency} {made.amount}) on {promised_date.isoformat()}"
    await _logged(session, link, summary + (f": {note}" if note else ""), now)
    return made


async def open_dispute(
    session: AsyncSession,
    link: PortalLink,
    item_id: str,
    reason: DisputeReason,
    note: str | None,
    attachment: disputes.Attachment | None,
    now: datetime,
    settings: ApiSettings,
) -> DisputeOut:
    principal = portal_links.principal_of(link)
    body = DisputeIn(customer_code=link.customer_code, reason_code=reason, note=note)
    opened = await disputes.open_dispute(session, principal, item_id, body, now, settings, attachment)
    documents_sent = "" if attachment is None else f", with {attachment.filename}"
    summary = f"Disputed {item_id} ({reason}, {opened.currency} {opened.amount}){documents_sent}"
    await _logged(session, link, summary + (f": {note}" if note else ""), now)
    return opened


async def statement_pdf(
    session: AsyncSession,
    link: PortalLink,
    start: date,
    end: date,
    language: str,
    now: datetime,
    settings: ApiSettings,
) -> bytes:
    found = await statements.customer_statement(session, link.customer_code, start, end, language)
    pdf = await run_in_threadpool(documents.to_pdf, found, settings.company_name)
    await _logged(session, link, f"Downloaded the statement of {start.isoformat()} to {end.isoformat()}", now)
    return pdf


async def sent_statement(
    session: AsyncSession, link: PortalLink, start: date, end: date, now: datetime
) -> bytes:
    pdf = await statements.sent_pdf(session, link.customer_code, start, end)
    await _logged(
        session, link, f"Downloaded the statement sent for {start.isoformat()} to {end.isoformat()}", now
    )
    return pdf


async def _logged(session: AsyncSession, link: PortalLink, summary: str, now: datetime) -> None:
    body = ContactIn(
        kind="portal", contact_on=now.date(), who=f"portal link ({link.purpose})", summary=summary
    )
    await contact_log.record(session, portal_links.principal_of(link), link.customer_code, body, now)
