"""Applying ERP events to the receivables ledger: load what a batch touches, apply the rules of
`shared.domain.ledger` in order, write back the changes, and keep every applied event.

Redeliveries (Kafka delivers at least once) are recognised in two places, each for its reason:

- Across batches, the event store is the inbox (`unseen`): an event whose `(source, id)` it holds
  was applied by an earlier batch, whose commit stored it with its effects, and is skipped.
- Within a batch, only `Ledger.apply_all` can tell (`apply`): a copy of an event applied earlier in
  the batch is skipped, but a copy of one it refused is tried again, as it may apply by then
  (its invoice arrived in between). Statements are never refused, so their first copy is kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.risk_worker.ledger import repository
from services.risk_worker.ledger.events import BatchApplied
from services.risk_worker.messagebus import BUS
from services.risk_worker.settings import WorkerSettings
from shared.domain.ledger import REDELIVERED, Key, LedgerEvent, Outcome, wanted
from shared.domain.terms import invoice_due_date
from shared.events import (
    RECEIVABLES_DECREASED,
    CloudEvent,
    InvoiceIssued,
    ReceivablesDecreased,
    new_event,
)
from shared.models.risk_worker import Outbox
from shared.outbox import outbox_row


async def unseen(
    session: AsyncSession, partitions: Iterable[tuple[str, int]], keys: Iterable[Key]
) -> set[Key]:
    """Of these events' keys, those no earlier batch stored. The batch's partitions are locked
    first, so that two consumers of a rebalanced partition never apply the same batch twice."""
    await repository.lock_partitions(session, partitions)
    wanted_keys = set(keys)
    return wanted_keys - await repository.stored(session, wanted_keys)


async def dated(
    session: AsyncSession, events: Sequence[tuple[CloudEvent, LedgerEvent]]
) -> list[tuple[CloudEvent, LedgerEvent]]:
    """Invoices that carry no due date get the one their customer's payment terms give, and are
    stored with it, so that a rebuild gives the same."""
    undated = sorted(
        {d.customer_code for _, d in events if isinstance(d, InvoiceIssued) and d.due_date is None}
    )
    terms = await repository.payment_terms(session, undated) if undated else {}
    found: list[tuple[CloudEvent, LedgerEvent]] = []
    for event, data in events:
        if isinstance(data, InvoiceIssued) and data.due_date is None:
            due = invoice_due_date(data.issue_date, None, terms.get(data.customer_code))
            if due is not None:
                data = data.model_copy(update={"due_date": due})
                event = event.model_copy(update={"data": {**event.data, "due_date": due.isoformat()}})
        found.append((event, data))
    return found


async def apply(session: AsyncSession, events: Sequence[tuple[Key, LedgerEvent, date]]) -> list[Outcome]:
    """See `Ledger.apply_all`; a refused event changes nothing."""
    ledger = await repository.load(session, wanted(data for _, data, _ in events))
    outcomes = ledger.apply_all(events)
    await repository.save(session, ledger.changes())
    return outcomes


async def apply_batch(
    session: AsyncSession,
    settings: WorkerSettings,
    events: Sequence[tuple[Key, LedgerEvent, date]],
    now: datetime,
) -> list[Outcome]:
    """Apply a batch of the ERP topic, and tell the other nouns what came of each event
    (`BatchApplied`; a rebuild replays through `apply` and tells nobody)."""
    outcomes = await apply(session, events)
    done = tuple((data, o) for (_, data, _), o in zip(events, outcomes, strict=True) if o is not REDELIVERED)
    await BUS.publish(session, settings, BatchApplied(now, done))
    return outcomes


async def store(session: AsyncSession, events: Sequence[tuple[CloudEvent, str, int, int]]) -> None:
    """The applied events, with the topic, partition and offset they came from."""
    await repository.store(session, events)


def announce_decreases(session: AsyncSession, settings: WorkerSettings, codes: Iterable[str]) -> None:
    """Held orders in credit_api may pass now; it learns so only after this commit."""
    for code in sorted(codes):
        session.add(
            outbox_row(
                Outbox,
                settings.risk_events_topic,
                new_event(
                    source=settings.source,
                    type_=RECEIVABLES_DECREASED,
                    subject=code,
                    data=ReceivablesDecreased(customer_code=code),
                ),
            )
        )
