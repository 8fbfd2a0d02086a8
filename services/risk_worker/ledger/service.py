"""Applying a batch of events to the receivables ledger: load what it touches, apply the rules of
`shared.domain.ledger` in order, write back the changes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.risk_worker.ledger import repository
from shared.domain.ledger import Key, LedgerEvent, Outcome, wanted


async def apply(session: AsyncSession, events: Sequence[tuple[Key, LedgerEvent, date]]) -> list[Outcome]:
    """See `Ledger.apply_all`; a refused event changes nothing."""
    ledger = await repository.load(session, wanted(data for _, data, _ in events))
    outcomes = ledger.apply_all(events)
    await repository.save(session, ledger.changes())
    return outcomes
