"""Statements of account from the ledger's journal (`shared/domain/statements.py`), against
hand-worked figures and the ledger's own rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from shared.domain.errors import InvalidInput
from shared.domain.ledger import Ledger
from shared.domain.statements import Entry, Schedule, monthly_period, moved_period, statement
from shared.events import (
    CreditNoteIssued,
    InvoiceIssued,
    InvoiceWrittenOff,
    PaymentReceived,
    PaymentReversed,
)

D = Decimal


def journal(*events: object) -> list[Entry]:
    """The ledger's journal after applying the events in order, as the statement reads it."""
    ledger = Ledger()
    for event in events:
        ledger.apply(event, date(2026, 1, 1))  # type: ignore[arg-type]
    return [
        Entry(m.effective_date, m.currency, m.account, m.amount, m.kind, m.document_id, m.item_id, m.due_date)
        for m in sorted(ledger.changes().movements, key=lambda m: m.effective_date)
    ]


def invoice(number: str, amount: str, issued: date, due: date) -> InvoiceIssued:
    return InvoiceIssued.model_validate(
        {
            "customer_code": "C1",
            "invoice_id": number,
            "amount": amount,
            "currency": "EUR",
            "issue_date": issued,
            "due_date": due,
        }
    )


def payment(number: str, amount: str, on: date, *paid: tuple[str, str]) -> PaymentReceived:
    return PaymentReceived.model_validate(
        {
            "customer_code": "C1",
            "payment_id": number,
            "amount": amount,
            "currency": "EUR",
            "received_date": on,
            "allocations": [{"invoice_id": i, "amount": a} for i, a in paid],
        }
    )


def test_the_balance_carried_forward_line_by_line() -> None:
    """geratools.com, "Statement of Account Builder", tips and example: an opening balance of 0, a
    1,200 charge, a 1,200 payment, then two new charges of 850 and 640 give a closing balance owing
    of 1,490."""
    entries = journal(
        invoice("1", "1200", date(2026, 3, 2), date(2026, 4, 1)),
        payment("P1", "1200", date(2026, 3, 20), ("1", "1200")),
        invoice("2", "850", date(2026, 3, 24), date(2026, 4, 23)),
        invoice("3", "640", date(2026, 3, 30), date(2026, 4, 29)),
    )
    (account,) = statement(entries, date(2026, 3, 1), date(2026, 3, 31))
    assert account.opening == 0
    assert [(line.kind, line.document_id, line.amount, line.balance) for line in account.lines] == [
        ("invoice", "1", D(1200), D(1200)),
        ("payment", "P1", D(-1200), D(0)),
        ("invoice", "2", D(850), D(850)),
        ("invoice", "3", D(640), D(1490)),
    ]
    assert account.lines[1].items == ["1"]
    assert (account.debits, account.credits, account.closing) == (D(2690), D(1200), D(1490))
    assert [(i.item_id, i.amount) for i in account.open_items] == [("2", D(850)), ("3", D(640))]
    assert account.ageing["not_due"] == D(1490)


def test_a_period_that_starts_late_opens_with_what_was_owed_and_ages_what_is_open_at_its_end() -> None:
    """Hand-worked. Before April: invoice A 1,000 (due 15 Feb) with 300 paid on it, and 50 on account
    (payment P1 of 350): opening 650. In April: credit note CN1 of 100 on A, invoice B 500 (due 30
    April), payment P2 of 200 naming an invoice C that arrives on 20 April (a 300 invoice), B partly
    written off (80). Closing 650 − 100 + 500 − 200 + 300 − 80 = 1,070: A 600 (74 days past its due
    date on 30 April: the 61–90 bucket), B 420 (due that day: not due), C 100, less 50 on account."""
    entries = journal(
        invoice("A", "1000", date(2026, 1, 16), date(2026, 2, 15)),
        payment("P1", "350", date(2026, 3, 10), ("A", "300")),
        CreditNoteIssued.model_validate(
            {
                "customer_code": "C1",
                "credit_note_id": "CN1",
                "amount": "100",
                "currency": "EUR",
                "issue_date": date(2026, 4, 2),
                "invoice_id": "A",
            }
        ),
        invoice("B", "500", date(2026, 4, 5), date(2026, 4, 30)),
        payment("P2", "200", date(2026, 4, 10), ("C", "200")),
        invoice("C", "300", date(2026, 4, 20), date(2026, 5, 20)),
        InvoiceWrittenOff.model_validate(
            {"customer_code": "C1", "invoice_id": "B", "amount": "80", "date": date(2026, 4, 25)}
        ),
    )
    (account,) = statement(entries, date(2026, 4, 1), date(2026, 4, 30))
    assert account.opening == D(650)
    assert [
        (line.kind, line.document_id, line.items, line.amount, line.balance) for line in account.lines
    ] == [
        ("credit_note", "CN1", ["A"], D(-100), D(550)),
        ("invoice", "B", [], D(500), D(1050)),
        ("payment", "P2", [], D(-200), D(850)),
        ("invoice", "C", [], D(300), D(1150)),
        # P2's 200 reaches C when C arrives: nothing more is owed, C is 200 less open.
        ("allocation", "P2", ["C"], D(0), D(1150)),
        ("write_off", "B", [], D(-80), D(1070)),
    ]
    assert account.closing == D(1070)
    assert [(i.item_id, i.amount, i.days_overdue) for i in account.open_items] == [
        ("A", D(600), 74),
        ("B", D(420), 0),
        ("C", D(100), 0),
    ]
    assert account.unallocated_cash == D(50)
    assert account.ageing["61-90"] == D(600)
    assert account.ageing["not_due"] == D(520)
    # The end balance is what is open less what is on account.
    assert sum((i.amount for i in account.open_items), D(0)) - account.unallocated_cash == account.closing


def test_a_bounced_payment_owes_again_on_the_day_it_bounced() -> None:
    entries = journal(
        invoice("A", "400", date(2026, 5, 1), date(2026, 5, 31)),
        payment("P1", "500", date(2026, 5, 20), ("A", "400")),
        PaymentReversed(customer_code="C1", payment_id="P1", reversed_date=date(2026, 5, 27)),
    )
    (account,) = statement(entries, date(2026, 5, 1), date(2026, 5, 31))
    assert [(line.kind, line.amount, line.balance) for line in account.lines] == [
        ("invoice", D(400), D(400)),
        ("payment", D(-500), D(-100)),
        ("reversal", D(500), D(400)),
    ]
    assert account.unallocated_cash == 0


def test_late_interest_claimed_is_owed_until_invoiced_or_waived() -> None:
    entries = [
        Entry(date(2026, 6, 1), "EUR", "item", D(100), "invoice", "A", "A", date(2026, 6, 30)),
        Entry(date(2026, 6, 10), "EUR", "interest", D("12.50"), "interest_claimed", "X", "X"),
        Entry(date(2026, 6, 20), "EUR", "interest", D("-12.50"), "interest_invoiced", "INT-7", "X"),
    ]
    (account,) = statement(entries, date(2026, 6, 1), date(2026, 6, 30))
    assert [(line.kind, line.items, line.balance) for line in account.lines] == [
        ("invoice", [], D(100)),
        ("interest_claimed", [], D("112.50")),
        ("interest_invoiced", ["X"], D(100)),
    ]
    assert account.interest_claimed == 0


def test_each_currency_is_an_account_of_its_own_and_old_lines_read_as_movements() -> None:
    entries = [
        Entry(date(2026, 6, 1), "USD", "item", D(70), None, None, "U1", date(2026, 7, 1)),
        Entry(date(2026, 6, 2), "EUR", "item", D(30), "invoice", "E1", "E1", date(2026, 7, 2)),
    ]
    eur, usd = statement(entries, date(2026, 6, 1), date(2026, 6, 30))
    assert (eur.currency, eur.closing, usd.currency, usd.closing) == ("EUR", D(30), "USD", D(70))
    assert [(line.kind, line.document_id) for line in usd.lines] == [("movement", "U1")]


def test_a_period_ends_on_or_after_it_starts_and_holds_nothing_after_its_end() -> None:
    with pytest.raises(InvalidInput):
        statement([], date(2026, 6, 2), date(2026, 6, 1))
    with pytest.raises(InvalidInput):
        statement([Entry(date(2026, 7, 1), "EUR", "cash", D(1))], date(2026, 6, 1), date(2026, 6, 30))


def test_the_months_statement_goes_out_on_the_policys_day_for_the_month_before() -> None:
    schedule = Schedule(day_of_month=3)
    assert monthly_period(schedule, date(2026, 3, 3)) == (date(2026, 2, 1), date(2026, 2, 28))
    assert monthly_period(schedule, date(2026, 1, 3)) == (date(2025, 12, 1), date(2025, 12, 31))
    assert monthly_period(schedule, date(2026, 3, 4)) is None


def test_a_moved_ledger_gets_the_days_since_its_last_statement_at_most_every_gap() -> None:
    schedule = Schedule(also_when_moved=True, min_gap_days=7)
    # Never sent one: the month so far.
    assert moved_period(schedule, date(2026, 5, 14), None, None) == (date(2026, 5, 1), date(2026, 5, 13))
    # On the 1st, the month so far is the month before.
    assert moved_period(schedule, date(2026, 6, 1), None, None) == (date(2026, 5, 1), date(2026, 5, 31))
    # The days after the last one's end; not within the gap of its sending.
    assert moved_period(schedule, date(2026, 5, 21), date(2026, 5, 13), date(2026, 5, 14)) == (
        date(2026, 5, 14),
        date(2026, 5, 20),
    )
    assert moved_period(schedule, date(2026, 5, 20), date(2026, 5, 13), date(2026, 5, 14)) is None
    assert moved_period(Schedule(), date(2026, 5, 21), date(2026, 5, 13), date(2026, 5, 14)) is None
