"""Every subscription of the risk worker's domain events, in one place: what each action sets off in
other nouns. Read a row as "when this happens, that follows, in the same transaction"."""

from __future__ import annotations

from services.risk_worker.cash_application import service as cash_application
from services.risk_worker.ledger.events import BatchApplied
from services.risk_worker.messagebus import BUS


def register() -> None:
    BUS.configure(
        {
            # Payments applied are matched to invoices, what became of matches' events is written
            # back to them, and new invoices give payments nothing fitted another look.
            BatchApplied: (cash_application.on_batch_applied,),
        }
    )
