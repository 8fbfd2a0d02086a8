from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models.credit_api import Dispute, DisputeAttachment
from shared.models.views import open_items

LIVE = ("open", "accepted")


async def open_invoices_named(
    session: AsyncSession, item_id: str, customer_code: str | None
) -> list[tuple[str, str, Decimal]]:
    """(customer, currency, open amount) of each customer's open invoice with this id."""
    i = open_items.c
    query = select(i.customer_code, i.currency, i.open_amount).where(
        i.item_id == item_id, i.item_type == "invoice", i.status == "open", i.open_amount > 0
    )
    if customer_code is not None:
        query = query.where(i.customer_code == customer_code)
    return [(code, cur, amount) for code, cur, amount in (await session.execute(query)).all()]


async def add(session: AsyncSession, dispute: Dispute) -> None:
    session.add(dispute)
    await session.flush()


async def get(session: AsyncSession, dispute_id: uuid.UUID) -> Dispute | None:
    query = select(Dispute).where(Dispute.id == dispute_id).with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def live(session: AsyncSession, customer_code: str, item_id: str) -> Dispute | None:
    query = select(Dispute).where(
        Dispute.customer_code == customer_code, Dispute.item_id == item_id, Dispute.status.in_(LIVE)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def of_customer(session: AsyncSession, customer_code: str) -> Sequence[Dispute]:
    query = select(Dispute).where(Dispute.customer_code == customer_code).order_by(Dispute.created_at)
    return (await session.execute(query)).scalars().all()


async def accepted(session: AsyncSession) -> Sequence[Dispute]:
    query = select(Dispute).where(Dispute.status == "accepted").with_for_update()
    return (await session.execute(query)).scalars().all()


async def aged(session: AsyncSession, opened_by: date) -> Sequence[Dispute]:
    query = (
        select(Dispute)
        .where(Dispute.status == "open", Dispute.opened_on <= opened_by, Dispute.escalated_on.is_(None))
        .with_for_update()
    )
    return (await session.execute(query)).scalars().all()


async def disputed_items(session: AsyncSession, codes: Sequence[str]) -> list[tuple[str, str]]:
    query = select(Dispute.customer_code, Dispute.item_id).where(
        Dispute.customer_code.in_(codes), Dispute.status.in_(LIVE)
    )
    return [(code, item) for code, item in (await session.execute(query)).all()]


async def add_attachment(session: AsyncSession, attachment: DisputeAttachment) -> None:
    session.add(attachment)
    await session.flush()


async def attachments_of(
    session: AsyncSession, dispute_ids: Sequence[uuid.UUID]
) -> list[tuple[uuid.UUID, uuid.UUID, str, str, int]]:
    """(id, dispute, file name, type, size) of the disputes' attachments, without their bytes."""
    a = DisputeAttachment
    query = (
        select(a.id, a.dispute_id, a.filename, a.content_type, a.size)
        .where(a.dispute_id.in_(dispute_ids))
        .order_by(a.created_at, a.id)
    )
    return [(i, d, name, kind, size) for i, d, name, kind, size in (await session.execute(query)).all()]


async def attachment(
    session: AsyncSession, customer_code: str, attachment_id: uuid.UUID
) -> DisputeAttachment | None:
    """The attachment, if it belongs to a dispute of this customer."""
    query = (
        select(DisputeAttachment)
        .join(Dispute, Dispute.id == DisputeAttachment.dispute_id)
        .where(DisputeAttachment.id == attachment_id, Dispute.customer_code == customer_code)
    )
    return (await session.execute(query)).scalar_one_or_none()
