"""The clock: items become overdue with no event at all. A sweep announces each item's crossing
of each bucket boundary once, through the outbox, for the dunning that acts on it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.risk_worker.clock import repository
from services.risk_worker.settings import WorkerSettings
from shared.domain.money import format_amount
from shared.events import INVOICE_OVERDUE, CloudEvent, InvoiceOverdue, new_event
from shared.models.risk_worker import Outbox
from shared.outbox import add_to_outbox
from shared.tracing import tracer

log = structlog.get_logger(__name__)
# Encoding an announcement costs tens of microseconds: 500 keep a transaction's stall short.
CHUNK = 500


async def sweep(
    sessions: async_sessionmaker[AsyncSession],
    today: date,
    boundaries: Sequence[int],
    *,
    source: str,
    topic: str,
    chunk: int = CHUNK,
) -> int:
    """Announcements made; -1 when another replica holds the sweep. A chunk per transaction: after a
    missed day, or on a first run over a whole ledger, the crossings number tens of thousands, and
    the consumers sharing the event loop must never wait for more than one chunk."""
    made = 0
    while True:
        async with sessions() as session, session.begin():
            if not await repository.try_lock(session):
                return made or -1
            crossed = await repository.newly_crossed(session, today, boundaries, chunk)
            await add_to_outbox(session, Outbox, [(topic, _overdue(source, today, *c)) for c in crossed])
        made += len(crossed)
        if len(crossed) < chunk:
            return made
        await asyncio.sleep(0)


def _overdue(
    source: str,
    today: date,
    customer_code: str,
    item_id: str,
    days: int,
    currency: str,
    open_amount: Decimal,
    due_date: date,
) -> CloudEvent:
    data = InvoiceOverdue(
        invoice_id=item_id,
        customer_code=customer_code,
        currency=currency,
        open_amount=format_amount(open_amount, currency),
        due_date=due_date,
        days_past_due=(today - due_date).days,
        boundary=days,
    )
    return new_event(source=source, type_=INVOICE_OVERDUE, subject=customer_code, data=data)


async def run(
    settings: WorkerSettings, sessions: async_sessionmaker[AsyncSession], stop: asyncio.Event
) -> None:
    """Sweep at start, then every `sweep_interval_seconds`."""
    while not stop.is_set():
        # Each sweep is a trace of its own, which the dunning of what it announced continues.
        with tracer.start_as_current_span("risk-worker overdue sweep") as span:
            announced = await sweep(
                sessions,
                date.today(),
                settings.boundaries,
                source=settings.source,
                topic=settings.risk_events_topic,
            )
            span.set_attribute("credence.announced", announced)
        if announced > 0:
            log.info("overdue sweep", announced=announced)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), settings.sweep_interval_seconds)
