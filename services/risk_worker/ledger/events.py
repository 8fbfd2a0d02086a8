"""What the ledger tells the other nouns of the risk worker."""

from __future__ import annotations

from dataclasses import dataclass

from shared.domain.ledger import LedgerEvent, Outcome
from shared.messagebus import DomainEvent


@dataclass(frozen=True)
class BatchApplied(DomainEvent):
    """A batch of ledger events went through the ledger: each event (redeliveries left out) with
    what came of it (applied, or refused with the reason)."""

    events: tuple[tuple[LedgerEvent, Outcome], ...]
