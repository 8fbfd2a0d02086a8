from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models.credit_api import Contact


async def add(session: AsyncSession, contact: Contact) -> None:
    session.add(contact)
    await session.flush()


async def of_customer(session: AsyncSession, customer_code: str, limit: int) -> Sequence[Contact]:
    """The latest first."""
    query = (
        select(Contact)
        .where(Contact.customer_code == customer_code)
        .order_by(Contact.contact_on.desc(), Contact.created_at.desc())
        .limit(limit)
    )
    return (await session.execute(query)).scalars().all()


async def due(session: AsyncSession, as_of: date) -> Sequence[Contact]:
    """Contacts whose next action falls due by `as_of` and has no task yet, locked: a run elsewhere
    waits, then finds them taken."""
    query = (
        select(Contact)
        .where(Contact.task_id.is_(None), Contact.next_action_on <= as_of)
        .order_by(Contact.next_action_on, Contact.created_at)
        .with_for_update(skip_locked=False)
    )
    return (await session.execute(query)).scalars().all()
