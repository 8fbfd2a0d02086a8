"""The ledger's rules against a plain recomputation, without I/O: generated streams cut into
batches of any size, each batch loading only the rows `wanted` names from what earlier batches
wrote, as the risk worker does. Many more examples than the end-to-end property test can afford."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.domain import behaviour
from shared.domain.errors import InvalidEvent
from shared.domain.ledger import (
    LEDGER_EVENTS,
    REDELIVERED,
    Allocation,
    Changes,
    CreditNote,
    Item,
    Key,
    Ledger,
    LedgerEvent,
    Movement,
    Parked,
    Payment,
    Wanted,
    wanted,
)
from shared.events import CloudEvent, event_data
from tests.ledger_model import Ledger as Model
from tests.ledger_model import bucket_of, empty_buckets
from tests.ledger_streams import AGEING_DATES, portfolio_stream

ZERO = Decimal(0)


class Store:
    """What the database holds between batches, read and written as the repository does."""

    def __init__(self) -> None:
        self.items: dict[Key, Item] = {}
        self.payments: dict[Key, Payment] = {}
        self.notes: dict[Key, CreditNote] = {}
        self.allocations: dict[int, Allocation] = {}
        self.parked: dict[tuple[str, str, str], Parked] = {}
        self.balances: defaultdict[Key, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO, ZERO])
        self.movements: list[Movement] = []
        self.stored: set[Key] = set()
        self.last_id = 0

    def load(self, want: Wanted) -> Ledger:
        allocations = [
            a
            for a in self.allocations.values()
            if (a.customer_code, a.item_id) in want.item_links
            or (a.customer_code, a.payment_id) in want.payment_links
        ]
        parked = [
            p
            for p in self.parked.values()
            if (p.customer_code, p.invoice_id) in want.parked_for_items
            or (p.customer_code, p.payment_id) in want.payment_links
        ]
        notes = [
            n
            for n in self.notes.values()
            if n.key in want.credit_notes
            or (n.applied > 0 and (n.customer_code, n.invoice_id) in want.item_links)
        ]
        items = want.items | {(a.customer_code, a.item_id) for a in allocations}
        payments = (
            want.payments
            | {(a.customer_code, a.payment_id) for a in allocations}
            | {(p.customer_code, p.payment_id) for p in parked}
        )
        # Copies: the ledger changes what it loaded, the database only what is saved.
        return Ledger(
            [dataclasses.replace(self.items[k]) for k in items if k in self.items],
            [dataclasses.replace(self.payments[k]) for k in payments if k in self.payments],
            [dataclasses.replace(a) for a in allocations],
            [dataclasses.replace(n) for n in notes],
            [dataclasses.replace(p) for p in parked],
        )

    def save(self, changes: Changes) -> None:
        for item in changes.new_items + changes.changed_items:
            self.items[item.key] = item
        for payment in changes.new_payments + changes.changed_payments:
            self.payments[payment.key] = payment
        for note in changes.new_credit_notes + changes.changed_credit_notes:
            self.notes[note.key] = note
        for allocation_id in changes.removed_allocations:
            del self.allocations[allocation_id]
        for allocation in changes.new_allocations:
            self.last_id += 1
            allocation.id = self.last_id
            self.allocations[allocation.id] = allocation
        for key in changes.removed_parked:
            del self.parked[key]
        for parked in changes.new_parked:
            self.parked[parked.key] = parked
        self.movements += changes.movements
        for account, (open_, cash, credit) in changes.balances.items():
            total = self.balances[account]
            total[0] += open_
            total[1] += cash
            total[2] += credit

    def payment_experience(self, customer: str) -> list[behaviour.Invoice]:
        """What the assessment's query reads: open invoices, settled or not."""
        return [
            behaviour.Invoice(i.amount, i.open_amount, i.issue_date, i.due_date, i.settled_on)
            for (code, _), i in self.items.items()
            if code == customer and i.item_type == "invoice" and i.status == "open"
        ]

    def ageing(self, customer: str, as_of: date) -> tuple[dict[str, Decimal], Decimal, Decimal]:
        """From the journal, as the ageing queries read it."""
        at: defaultdict[str, Decimal] = defaultdict(Decimal)
        for m in self.movements:
            if m.customer_code == customer and m.effective_date <= as_of:
                at[m.item_id or m.account] += m.amount
        buckets = empty_buckets()
        for (code, item_id), item in self.items.items():
            if code == customer and item.issue_date <= as_of:
                buckets[bucket_of((as_of - item.due_date).days)] += at[item_id]
        return buckets, at["cash"], at["credit"]


def parse(raw: dict[str, Any]) -> tuple[Key, LedgerEvent, date]:
    event = CloudEvent.model_validate(raw)
    data = event_data(event)
    assert isinstance(data, LEDGER_EVENTS)
    return (event.source, event.id), data, (event.time or datetime.now(UTC)).date()


@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_batches_of_any_size_equal_a_plain_recomputation(data: st.DataObject) -> None:
    customers = [f"C{i}" for i in range(data.draw(st.integers(1, 3)))]
    published = data.draw(portfolio_stream(customers))
    model = Model()
    for raw in published:
        model.apply(raw)
    store = Store()
    rest = [parse(raw) for raw in published]
    while rest:
        size = data.draw(st.integers(1, len(rest)))
        batch, rest = [e for e in rest[:size] if e[0] not in store.stored], rest[size:]
        ledger = store.load(wanted(data for _, data, _ in batch))
        outcomes = ledger.apply_all(batch)
        store.save(ledger.changes())
        store.stored |= {
            key
            for (key, _, _), outcome in zip(batch, outcomes, strict=True)
            if not isinstance(outcome, InvalidEvent) and outcome is not REDELIVERED
        }
    for c in customers:
        expected = model.customers[c]
        assert store.balances[c, "EUR"] == [
            expected.open_by_currency().get("EUR", ZERO),
            expected.cash["EUR"],
            expected.credit["EUR"],
        ], f"balances of {c}"
        for as_of in AGEING_DATES:
            assert store.ageing(c, as_of) == expected.ageing(as_of), f"ageing of {c} as of {as_of}"
        # Payment behaviour: the settlement dates the ledger keeps batch by batch give the same
        # figures as the model's from its whole history.
        experience = store.payment_experience(c)
        bounced = expected.bounced()
        for as_of in AGEING_DATES:
            assert behaviour.assess(experience, bounced, as_of) == behaviour.assess(
                expected.payment_experience(), bounced, as_of
            ), f"behaviour of {c} as of {as_of}"
