"""Applying a batch of events to the receivables ledger: load what it touches, apply the rules of
`shared.ledger` in order, write back the changes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.risk_worker.ledger import repository
from shared.errors import InvalidEvent
from shared.ledger import LedgerEvent, wanted

# Per event: whether the customer's receivables went down (None for master data), or why it was
# refused.
Outcome = bool | None | InvalidEvent


async def apply(session: AsyncSession, events: Sequence[tuple[LedgerEvent, date]]) -> list[Outcome]:
    """Apply events, each on its business date; a refused one changes nothing."""
    ledger = await repository.load(session, wanted(data for data, _ in events))
    outcomes: list[Outcome] = []
    for data, on in events:
        try:
            outcomes.append(ledger.apply(data, on))
        except InvalidEvent as exc:
            outcomes.append(exc)
    await repository.save(session, ledger.changes())
    return outcomes
