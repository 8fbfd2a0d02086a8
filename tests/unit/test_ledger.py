"""The ledger's rules in memory: what a batch changes, and what a refused event does not."""

from datetime import date
from decimal import Decimal
from typing import TypeVar

import pytest

from shared.domain.errors import InvalidEvent
from shared.domain.ledger import Allocation, Item, Ledger, Payment, wanted
from shared.events import (
    CreditNoteIssued,
    CustomerUpserted,
    InvoiceAdjusted,
    InvoiceCancelled,
    InvoiceIssued,
    InvoiceWrittenOff,
    PaymentAllocated,
    PaymentAllocationReversed,
    PaymentReceived,
    PaymentReversed,
)

ON = date(2026, 11, 20)


def invoice(
    invoice_id: str, amount: str, *, customer: str = "C1", issued: date = date(2026, 11, 1)
) -> InvoiceIssued:
    return InvoiceIssued.model_validate(
        {
            "invoice_id": invoice_id,
            "customer_code": customer,
            "currency": "EUR",
            "amount": amount,
            "issue_date": issued,
            "due_date": date(2026, 12, 1),
        }
    )


def payment(payment_id: str, amount: str, received: date, **allocations: str) -> PaymentReceived:
    return PaymentReceived.model_validate(
        {
            "payment_id": payment_id,
            "customer_code": "C1",
            "currency": "EUR",
            "amount": amount,
            "received_date": received,
            "allocations": [{"invoice_id": i, "amount": a} for i, a in allocations.items()],
        }
    )


def stored_item(item_id: str, amount: str, open_amount: str) -> Item:
    return Item(
        "C1", item_id, "EUR", Decimal(amount), Decimal(open_amount), date(2026, 10, 1), date(2026, 11, 1)
    )


def test_an_invoice_is_a_new_item_journaled_on_its_issue_date_and_a_stub_customer() -> None:
    ledger = Ledger()
    assert ledger.apply(invoice("I1", "100.00"), ON) is False
    changes = ledger.changes()
    assert [(i.item_id, i.open_amount) for i in changes.new_items] == [("I1", Decimal("100.00"))]
    # The line carries the item's due date: the roll rates follow it without the item.
    assert [(m.account, m.amount, m.effective_date, m.due_date) for m in changes.movements] == [
        ("item", Decimal("100.00"), date(2026, 11, 1), date(2026, 12, 1))
    ]
    assert changes.balances == {("C1", "EUR"): [Decimal("100.00"), 0, 0]}
    assert changes.customers == {"C1": False}


def test_master_data_in_the_same_batch_means_no_stub() -> None:
    ledger = Ledger()
    ledger.apply(invoice("I1", "100.00"), ON)
    ledger.apply(CustomerUpserted(customer_code="C1", name="One", currency="EUR"), ON)
    assert ledger.changes().customers == {"C1": True}


def test_a_refused_event_changes_nothing_and_later_events_still_apply() -> None:
    ledger = Ledger([stored_item("I1", "100.00", "40.00"), stored_item("I2", "10.00", "5.00")])
    with pytest.raises(InvalidEvent, match=r"allocation 10\.00 exceeds the open balance 5\.00 of invoice I2"):
        # The first allocation is fine, the second is not: neither may be applied.
        ledger.apply(payment("P1", "90.00", ON, I1="30.00", I2="10.00"), ON)
    with pytest.raises(InvalidEvent, match="exceeds the open balance"):
        ledger.apply(payment("P2", "50.00", ON, I1="50.00"), ON)
    assert ledger.changes().new_payments == []
    assert ledger.apply(payment("P3", "40.00", ON, I1="40.00"), ON) is True
    changes = ledger.changes()
    # Paid in full: settled on the payment's date.
    assert [i.state() for i in changes.changed_items] == [(Decimal("100.00"), Decimal("0.00"), "open", ON)]
    assert [p.payment_id for p in changes.new_payments] == ["P3"]
    assert changes.balances == {("C1", "EUR"): [Decimal("-40.00"), 0, 0]}


def test_parked_allocations_apply_oldest_payment_first_when_the_invoice_arrives() -> None:
    ledger = Ledger()
    ledger.apply(payment("P-late", "80.00", date(2026, 11, 10), I1="80.00"), ON)
    ledger.apply(payment("P-early", "50.00", date(2026, 11, 5), I1="50.00"), ON)
    assert ledger.apply(invoice("I1", "100.00", issued=date(2026, 11, 7)), ON) is True
    changes = ledger.changes()
    assert changes.new_parked == []
    assert [(a.payment_id, a.amount, a.allocated_on) for a in changes.new_allocations] == [
        ("P-early", Decimal("50.00"), date(2026, 11, 7)),
        ("P-late", Decimal("50.00"), date(2026, 11, 10)),
    ]
    assert {p.payment_id: p.unallocated for p in changes.new_payments} == {
        "P-late": Decimal("30.00"),
        "P-early": Decimal("0.00"),
    }
    assert changes.balances == {("C1", "EUR"): [Decimal("0.00"), Decimal("30.00"), 0]}


def test_cancelling_returns_payments_to_cash_and_credit_notes_to_unapplied_credit() -> None:
    stored_payment = Payment("C1", "P1", "EUR", Decimal("60.00"), Decimal("0.00"), date(2026, 11, 2))
    ledger = Ledger(
        [stored_item("I1", "100.00", "40.00")],
        [stored_payment],
        [Allocation("C1", "P1", "I1", Decimal("60.00"), date(2026, 11, 2), id=7)],
    )
    ledger.apply(
        CreditNoteIssued.model_validate(
            {
                "credit_note_id": "CN1",
                "customer_code": "C1",
                "currency": "EUR",
                "amount": "15.00",
                "issue_date": ON,
                "invoice_id": "I1",
            }
        ),
        ON,
    )
    assert ledger.apply(InvoiceCancelled(invoice_id="I1", customer_code="C1"), ON) is True
    changes = ledger.changes()
    assert changes.removed_allocations == [7]
    assert [p.state() for p in changes.changed_payments] == [(Decimal("60.00"), "received")]
    assert [(n.credit_note_id, n.applied) for n in changes.new_credit_notes] == [("CN1", Decimal(0))]
    assert [i.state() for i in changes.changed_items] == [
        (Decimal("100.00"), Decimal("0.00"), "cancelled", ON)
    ]
    # open 40 → 25 by the note → 0 by the cancellation; 60 back on account; 15 of credit unapplied
    assert changes.balances == {("C1", "EUR"): [Decimal("-40.00"), Decimal("60.00"), Decimal("15.00")]}
    with pytest.raises(InvalidEvent, match="allocation to cancelled invoice I1"):
        ledger.apply(payment("P2", "1.00", ON, I1="1.00"), ON)


def test_a_reversed_payment_reopens_its_items_and_drops_its_parked_allocations() -> None:
    ledger = Ledger([stored_item("I1", "100.00", "100.00")])
    ledger.apply(payment("P1", "100.00", ON, I1="70.00", I9="20.00"), ON)
    assert ledger.apply(PaymentReversed(payment_id="P1", customer_code="C1", reversed_date=ON), ON) is False
    changes = ledger.changes()
    assert changes.changed_items == []  # 100 open, as loaded
    assert changes.new_allocations == [] and changes.new_parked == []
    assert [p.state() for p in changes.new_payments] == [(Decimal(0), "reversed")]
    assert changes.balances == {("C1", "EUR"): [Decimal("0.00"), Decimal("0.00"), 0]}
    with pytest.raises(InvalidEvent, match="already reversed"):
        ledger.apply(PaymentReversed(payment_id="P1", customer_code="C1", reversed_date=ON), ON)


def test_wanted_names_every_row_a_batch_can_touch() -> None:
    want = wanted(
        [
            invoice("I1", "1.00"),
            InvoiceCancelled(invoice_id="I2", customer_code="C1"),
            payment("P1", "5.00", ON, I3="1.00"),
            PaymentReversed(payment_id="P2", customer_code="C1", reversed_date=ON),
        ]
    )
    assert want.items == {("C1", "I1"), ("C1", "I2"), ("C1", "I3")}
    assert want.parked_for_items == {("C1", "I1")}
    assert want.item_links == {("C1", "I2")}
    assert want.payments == {("C1", "P1"), ("C1", "P2")}
    assert want.payment_links == {("C1", "P2")}


def test_amounts_with_more_decimals_than_the_items_currency_are_refused_as_events() -> None:
    ledger = Ledger([stored_item("I1", "100.00", "100.00")])
    with pytest.raises(InvalidEvent, match="invoice I1: EUR amounts have at most 2 decimals"):
        ledger.apply(
            InvoiceAdjusted.model_validate({"invoice_id": "I1", "customer_code": "C1", "amount": "90.001"}),
            ON,
        )
    with pytest.raises(InvalidEvent, match="invoice I1: amount must be greater than zero"):
        ledger.apply(
            InvoiceWrittenOff.model_validate(
                {"invoice_id": "I1", "customer_code": "C1", "date": ON, "amount": "0"}
            ),
            ON,
        )
    assert ledger.changes().changed_items == []


def test_a_written_off_invoice_raised_again_is_open_again() -> None:
    ledger = Ledger([stored_item("I1", "100.00", "100.00")])
    ledger.apply(
        InvoiceWrittenOff.model_validate({"invoice_id": "I1", "customer_code": "C1", "date": ON}), ON
    )
    assert [i.state() for i in ledger.changes().changed_items] == [
        (Decimal("100.00"), Decimal("0.00"), "written_off", ON)
    ]
    ledger.apply(
        InvoiceAdjusted.model_validate({"invoice_id": "I1", "customer_code": "C1", "amount": "130.00"}), ON
    )
    assert [i.state() for i in ledger.changes().changed_items] == [
        (Decimal("130.00"), Decimal("30.00"), "open", None)
    ]


Applied = TypeVar("Applied", PaymentAllocated, PaymentAllocationReversed)


def applied(kind: type[Applied], **extra: object) -> Applied:
    """A cash application of P1 to I1: 980 of cash and a 2 % early-payment discount of 20."""
    lines = [{"invoice_id": "I1", "amount": "980.00", "deduction": "20.00", "deduction_reason": "discount"}]
    common = {"payment_id": "P1", "customer_code": "C1", "currency": "EUR", "allocations": lines}
    return kind.model_validate({"match_id": MATCH, **common, **extra})


MATCH = "6d1c1e1a-2b4f-4f0e-9a8b-1c2d3e4f5a6b"
MATCHED = {"applied_by": "cash-application", "confidence": "0.96", "reasons": [], "policy_version": "default"}


def test_cash_application_settles_an_invoice_from_the_payments_date_and_its_reversal_reopens_it() -> None:
    """2/10 NET30 on an invoice of 1,000 paid 980 within 10 days: the invoice is settled on the
    payment's date (not the day it was matched), 980 from the cash and 20 as the discount."""
    ledger = Ledger([stored_item("I1", "1000.00", "1000.00")])
    received = date(2026, 10, 8)
    ledger.apply(payment("P1", "1000.00", received), ON)
    assert ledger.apply(applied(PaymentAllocated, **MATCHED), ON) is True
    changes = ledger.changes()
    assert [i.state() for i in changes.changed_items] == [
        (Decimal("1000.00"), Decimal("0.00"), "open", received)
    ]
    assert [(a.amount, a.deduction, a.allocated_on) for a in changes.new_allocations] == [
        (Decimal("980.00"), Decimal("20.00"), received)
    ]
    # 1,000 received: 20 stays on account; receivables down by the 980 and the discount.
    assert changes.balances == {("C1", "EUR"): [Decimal("-1000.00"), Decimal("20.00"), 0]}
    assert [(m.kind, m.amount) for m in changes.movements if m.account == "item"] == [
        ("deduction", Decimal("-20.00")),
        ("allocation", Decimal("-980.00")),
    ]
    with pytest.raises(InvalidEvent, match=r"has 20\.00 unallocated"):
        ledger.apply(applied(PaymentAllocated, **MATCHED), ON)
    undo = applied(PaymentAllocationReversed, reversed_date=ON, reversed_by="user:Li Wei")
    assert ledger.apply(undo, ON) is False
    changes = ledger.changes()
    assert [i.state() for i in changes.changed_items] == []  # 1,000 open again, as loaded
    assert changes.balances == {("C1", "EUR"): [Decimal("0.00"), Decimal("1000.00"), 0]}
    with pytest.raises(InvalidEvent, match=r"no allocation of 980\.00 to invoice I1 to undo"):
        ledger.apply(undo, ON)


def test_a_bounced_payment_takes_its_cash_application_and_discount_with_it() -> None:
    ledger = Ledger([stored_item("I1", "1000.00", "1000.00")])
    ledger.apply(payment("P1", "1000.00", date(2026, 10, 8)), ON)
    ledger.apply(applied(PaymentAllocated, **MATCHED), ON)
    ledger.apply(PaymentReversed(payment_id="P1", customer_code="C1", reversed_date=ON), ON)
    changes = ledger.changes()
    assert changes.changed_items == []  # 1,000 open again: the discount fell with the payment
    assert changes.balances == {("C1", "EUR"): [Decimal("0.00"), Decimal("0.00"), 0]}
    with pytest.raises(InvalidEvent, match="payment P1 is reversed"):
        ledger.apply(applied(PaymentAllocated, **MATCHED), ON)
