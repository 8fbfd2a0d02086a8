"""Generated ERP event streams for property tests: each customer's events in the order its ERP
sent them (payments overtaking their invoices, adjustments and cancellations before or after what
they refer to, redeliveries), customers interleaved as Kafka partitions interleave them."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

ISSUE_DATES = st.sampled_from([date(2026, 6, 15), date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 5)])
# Before every event, between them (payments 11-10, credit notes 11-12, reversals 11-15, adjustments
# 11-18, cancellations 11-19, write-offs 11-20), and after all of them.
AGEING_DATES = [
    date(2026, 8, 31),
    date(2026, 10, 31),
    date(2026, 11, 11),
    date(2026, 11, 16),
    date(2026, 11, 18),
    date(2027, 1, 31),
]
AMOUNTS = st.integers(min_value=1, max_value=50_000).map(lambda cents: f"{Decimal(cents) / 100:.2f}")
SMALL_AMOUNTS = st.integers(min_value=1, max_value=3_000).map(lambda cents: f"{Decimal(cents) / 100:.2f}")


def event(customer: str, type_: str, *, time: str | None = None, **data: Any) -> dict[str, Any]:
    envelope = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "erp/prop",
        "type": type_,
        "subject": customer,
        "data": {"customer_code": customer, **data},
    }
    return envelope if time is None else {**envelope, "time": time}


@st.composite
def customer_stream(draw: st.DrawFn, customer: str) -> list[dict[str, Any]]:
    """One customer's events in the order its ERP sent them, redeliveries included."""
    invoices = [f"INV-{i}" for i in range(draw(st.integers(1, 4)))]
    events = []
    for i in invoices:
        issued = draw(ISSUE_DATES)
        events.append(
            event(
                customer,
                "invoice.issued",
                invoice_id=i,
                currency="EUR",
                amount=draw(AMOUNTS),
                issue_date=issued.isoformat(),
                due_date=(issued + timedelta(days=30)).isoformat(),
            )
        )
    for n in range(draw(st.integers(0, 3))):
        named = draw(st.lists(st.sampled_from(invoices), unique=True, max_size=2))
        allocations = [{"invoice_id": i, "amount": draw(AMOUNTS)} for i in named]
        total = sum((Decimal(a["amount"]) for a in allocations), Decimal(0)) + Decimal(draw(AMOUNTS))
        payment = event(
            customer,
            "payment.received",
            payment_id=f"PAY-{n}",
            currency="EUR",
            amount=f"{total:.2f}",
            received_date="2026-11-10",
            allocations=allocations,
        )
        # Sometimes the payment overtakes the invoices it names: its allocations wait for them.
        at = draw(st.integers(0, len(events)))
        events.insert(at, payment)
        if draw(st.booleans()):
            # Bounced any time after it arrived, even before the invoices it was waiting for.
            events.insert(
                draw(st.integers(at + 1, len(events))),
                event(customer, "payment.reversed", payment_id=f"PAY-{n}", reversed_date="2026-11-15"),
            )
    payments = [e["data"]["payment_id"] for e in events if e["type"] == "payment.received"]
    for _ in range(draw(st.integers(0, 2)) if payments else 0):
        # Cash application: part of a payment's cash reaches invoices, and is maybe undone later.
        named = draw(st.lists(st.sampled_from(invoices), unique=True, min_size=1, max_size=2))
        lines: list[dict[str, Any]] = []
        for i in named:
            # Small, so that they mostly fit the cash left and the invoices' balances.
            line: dict[str, Any] = {"invoice_id": i, "amount": draw(SMALL_AMOUNTS)}
            if draw(st.booleans()):
                line |= {"deduction": draw(SMALL_AMOUNTS), "deduction_reason": "discount"}
            lines.append(line)
        paid = draw(st.sampled_from(payments))
        # Made after the payment arrived, mostly: it applies when its invoices are there by then.
        after = next(n for n, e in enumerate(events) if e["data"].get("payment_id") == paid) + 1
        applied = {
            "payment_id": paid,
            "currency": "EUR",
            "match_id": str(uuid.uuid4()),
            "allocations": lines,
        }
        at = draw(st.integers(after, len(events)))
        events.insert(
            at,
            event(
                customer,
                "payment.allocated",
                **applied,
                applied_by="cash-application",
                confidence="0.99",
                reasons=[],
                policy_version="default",
            ),
        )
        if draw(st.booleans()):
            events.insert(
                draw(st.integers(at + 1, len(events))),
                event(
                    customer,
                    "payment.allocation_reversed",
                    **applied,
                    reversed_date="2026-11-16",
                    reversed_by="controller",
                ),
            )
    for n in range(draw(st.integers(0, 2))):
        target = draw(st.sampled_from([None, *invoices]))
        events.append(
            event(
                customer,
                "credit_note.issued",
                credit_note_id=f"CN-{n}",
                currency="EUR",
                amount=draw(AMOUNTS),
                issue_date="2026-11-12",
                invoice_id=target,
            )
        )
    if draw(st.booleans()):
        events.append(
            event(
                customer, "invoice.written_off", invoice_id=draw(st.sampled_from(invoices)), date="2026-11-20"
            )
        )
    # Whenever the ERP sends them, before or after what they refer to.
    anywhere = [
        event(
            customer,
            "invoice.adjusted",
            time="2026-11-18T09:00:00Z",
            invoice_id=draw(st.sampled_from(invoices)),
            amount=draw(AMOUNTS),
        ),
        event(
            customer,
            "invoice.cancelled",
            time="2026-11-19T09:00:00Z",
            invoice_id=draw(st.sampled_from(invoices)),
        ),
        event(customer, "customer.upserted", name=f"Customer {customer}", currency="EUR"),
    ]
    for late in anywhere:
        if draw(st.booleans()):
            events.insert(draw(st.integers(0, len(events))), late)
    redelivered = draw(st.lists(st.sampled_from(events), max_size=3))
    return events + redelivered


@st.composite
def portfolio_stream(draw: st.DrawFn, customers: list[str]) -> list[dict[str, Any]]:
    """Customers interleave freely; each customer's own order is kept, as its partition keeps it."""
    streams = {c: draw(customer_stream(c)) for c in customers}
    order = [c for c in customers for _ in streams[c]]
    random.Random(draw(st.integers())).shuffle(order)
    cursors = dict.fromkeys(customers, 0)
    published = []
    for c in order:
        published.append(streams[c][cursors[c]])
        cursors[c] += 1
    return published
