"""`credence ledger rebuild`: replay the event store into fresh projections."""

from __future__ import annotations

from datetime import date

import structlog
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.risk_worker.handler import business_date, erp_data
from services.risk_worker.ledger import service
from shared.domain.errors import InvalidEvent
from shared.domain.ledger import LedgerEvent
from shared.events import CloudEvent, FinancialStatementFiled
from shared.models.risk_worker import StoredEvent

log = structlog.get_logger(__name__)

# Everything derived from the event store; the store itself, alerts and the outbox stay.
PROJECTIONS = (
    "open_items",
    "payments",
    "allocations",
    "credit_notes",
    "parked_allocations",
    "balances",
    "order_invoicing",
    "customers",
    "movements",
)


async def rebuild(session: AsyncSession, batch: int = 5000) -> int:
    """Empty the projections and apply every stored event again, in the order first applied."""
    await session.execute(text("LOCK TABLE risk_worker.events IN SHARE MODE"))
    await session.execute(text("TRUNCATE " + ", ".join(f"risk_worker.{t}" for t in PROJECTIONS)))
    applied, last = 0, 0
    while True:
        rows = (
            (
                await session.execute(
                    select(StoredEvent).where(StoredEvent.seq > last).order_by(StoredEvent.seq).limit(batch)
                )
            )
            .scalars()
            .all()
        )
        if not rows:
            return applied
        batch_events: list[tuple[CloudEvent, LedgerEvent, date]] = []
        for row in rows:
            event = CloudEvent(
                specversion="1.0",
                id=row.event_id,
                source=row.source,
                type=row.type,
                subject=row.subject,
                time=row.time,
                data=row.data,
            )
            try:
                data = erp_data(event)
            except InvalidEvent as exc:
                _no_longer_applies(event, exc)
                continue
            # Statements are kept as filed, not projected from the store.
            if not isinstance(data, FinancialStatementFiled):
                batch_events.append((event, data, business_date(event, row.stored_at)))
        outcomes = await service.apply(
            session, [((e.source, e.id), data, on) for e, data, on in batch_events]
        )
        for (event, _, _), outcome in zip(batch_events, outcomes, strict=True):
            if isinstance(outcome, InvalidEvent):
                _no_longer_applies(event, outcome)
            else:
                applied += 1
        last = rows[-1].seq
        session.expunge_all()


def _no_longer_applies(event: CloudEvent, exc: InvalidEvent) -> None:
    # It applied once; failing now means the rules changed since. Say so, keep going.
    log.warning("stored event no longer applies", source=event.source, id=event.id, reason=exc.detail)
