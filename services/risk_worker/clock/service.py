"""The clock: items become overdue with no event at all. A sweep announces each item's crossing
of each bucket boundary once, through the outbox, for the dunning that acts on it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from datetime import date

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.risk_worker.clock import repository
from services.risk_worker.settings import WorkerSettings
from shared.domain.money import format_amount
from shared.events import INVOICE_OVERDUE, InvoiceOverdue, new_event
from shared.models.risk_worker import Outbox
from shared.outbox import outbox_row

log = structlog.get_logger(__name__)


async def sweep(
    session: AsyncSession, today: date, boundaries: Sequence[int], *, source: str, topic: str
) -> int:
    """Announcements made; -1 when another replica holds the sweep."""
    if not await repository.try_lock(session):
        return -1
    crossed = await repository.newly_crossed(session, today, boundaries)
    for customer_code, item_id, days, currency, open_amount, due_date in crossed:
        data = InvoiceOverdue(
            invoice_id=item_id,
            customer_code=customer_code,
            currency=currency,
            open_amount=format_amount(open_amount, currency),
            due_date=due_date,
            days_past_due=(today - due_date).days,
            boundary=days,
        )
        session.add(
            outbox_row(
                Outbox,
                topic,
                new_event(source=source, type_=INVOICE_OVERDUE, subject=customer_code, data=data),
            )
        )
    return len(crossed)


async def run(
    settings: WorkerSettings, sessions: async_sessionmaker[AsyncSession], stop: asyncio.Event
) -> None:
    """Sweep at start, then every `sweep_interval_seconds`."""
    while not stop.is_set():
        async with sessions() as session, session.begin():
            announced = await sweep(
                session,
                date.today(),
                settings.boundaries,
                source=settings.source,
                topic=settings.risk_events_topic,
            )
        if announced:
            log.info("overdue sweep", announced=announced)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), settings.sweep_interval_seconds)
