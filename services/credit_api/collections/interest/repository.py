from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models.credit_api import Customer, Dispute, InterestClaim
from shared.models.views import open_items

i = open_items.c


async def settled_late(session: AsyncSession, since: date, as_of: date) -> Sequence[Any]:
    """Invoices of the credit file settled after their due date, from `since` through `as_of`,
    with no claim yet. An invoice whose dispute was accepted owed less than it said: it claims
    nothing, nor does one written off or cancelled."""
    accepted = select(Dispute.id).where(
        Dispute.customer_code == i.customer_code,
        Dispute.item_id == i.item_id,
        Dispute.status.in_(("accepted", "closed")),
    )
    claimed = select(InterestClaim.item_id).where(
        InterestClaim.customer_code == i.customer_code, InterestClaim.item_id == i.item_id
    )
    query = (
        select(i.customer_code, i.item_id, i.currency, i.amount, i.due_date, i.settled_on)
        .join(Customer, Customer.customer_code == i.customer_code)
        .where(
            i.item_type == "invoice",
            i.status == "open",
            i.open_amount == 0,
            i.settled_on > i.due_date,
            i.settled_on.between(since, as_of),
            ~accepted.exists(),
            ~claimed.exists(),
        )
        .order_by(i.customer_code, i.item_id)
    )
    return (await session.execute(query)).all()


async def overdue_open(session: AsyncSession, customer_code: str, as_of: date) -> Sequence[Any]:
    query = (
        select(i.customer_code, i.item_id, i.currency, i.amount, i.due_date)
        .where(
            i.customer_code == customer_code,
            i.item_type == "invoice",
            i.status == "open",
            i.open_amount > 0,
            i.due_date < as_of,
        )
        .order_by(i.due_date, i.item_id)
    )
    return (await session.execute(query)).all()


async def invoice(session: AsyncSession, customer_code: str, item_id: str) -> Any:
    query = select(
        i.customer_code, i.item_id, i.currency, i.amount, i.open_amount, i.due_date, i.status, i.settled_on
    ).where(i.customer_code == customer_code, i.item_id == item_id, i.item_type == "invoice")
    return (await session.execute(query)).one_or_none()


async def of_customer(session: AsyncSession, customer_code: str) -> Sequence[InterestClaim]:
    query = (
        select(InterestClaim)
        .where(InterestClaim.customer_code == customer_code)
        .order_by(InterestClaim.due_date, InterestClaim.item_id)
    )
    return (await session.execute(query)).scalars().all()


async def get(session: AsyncSession, customer_code: str, item_id: str) -> InterestClaim | None:
    return await session.get(InterestClaim, (customer_code, item_id), with_for_update=True)


async def waived_open(session: AsyncSession) -> set[tuple[str, str]]:
    """Invoices whose interest was waived while they were still open: they claim no more."""
    query = select(InterestClaim.customer_code, InterestClaim.item_id).where(
        InterestClaim.status == "waived", InterestClaim.settled_on.is_(None)
    )
    return {(code, item) for code, item in (await session.execute(query)).all()}


async def add_all(session: AsyncSession, claims: Sequence[InterestClaim]) -> None:
    session.add_all(claims)
    await session.flush()
