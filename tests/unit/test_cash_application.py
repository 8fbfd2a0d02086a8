"""Cash application: which open items a payment without allocations pays, how sure, and why."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from shared import cash_application_policies
from shared.domain.cash_application import (
    BANK_CHARGES,
    DISCOUNT,
    Line,
    OpenItem,
    Policy,
    Remittance,
    combinations,
    match,
    normalise,
    one_edit_apart,
    references,
)

POLICY = cash_application_policies.default()
ON = date(2026, 11, 20)


def item(item_id: str, amount: str, *, customer: str = "ACME", due: int = 0, discount: str = "0") -> OpenItem:
    issued = date(2026, 11, 1) + timedelta(days=due)
    return OpenItem(
        customer,
        item_id,
        "EUR",
        Decimal(amount),
        issued + timedelta(days=30),
        Decimal(discount),
        issued + timedelta(days=10) if discount != "0" else None,
    )


def pay(amount: str, text: str = "", *, on: date = ON) -> Remittance:
    return Remittance("ACME", "P1", "EUR", Decimal(amount), on, text)


def lines(found: object) -> list[tuple[str, str, str]]:
    assert found is not None
    return [(line.item_id, str(line.amount), str(line.deduction)) for line in found.lines]  # type: ignore[attr-defined]


BOOK = [
    item("INV-000123", "1000.00", due=0),
    item("INV-000124", "250.00", due=1),
    item("INV-000130", "480.50", due=2),
]


@pytest.mark.parametrize("written", ["INV-000123", "inv 123", "Inv.0123", "123", "INV/00123", "RE INV-123"])
def test_an_invoice_number_is_the_same_however_it_is_written(written: str) -> None:
    assert normalise(written, POLICY.prefixes) == "123" or references(written, POLICY.prefixes) == ["123"]


def test_amounts_and_dates_in_a_remittance_are_not_invoice_numbers() -> None:
    assert references("INV-123 1.250,00 EUR 20.11.2026 2026-11-20 ORDER 4711", POLICY.prefixes) == [
        "123",
        "4711",
    ]


def test_one_edit_is_a_replacement_an_insertion_a_deletion_or_a_swap_of_neighbours() -> None:
    """Damerau (1964): most misspellings are one such edit."""
    assert one_edit_apart("10234", "10284")
    assert one_edit_apart("10234", "102334")
    assert one_edit_apart("10234", "1024")
    assert one_edit_apart("10234", "10324")
    assert not one_edit_apart("10234", "10243X")
    assert not one_edit_apart("10234", "13240")


def test_an_exact_reference_and_amount_apply_without_a_person() -> None:
    found = match(pay("1000.00", "Payment INV-000123"), BOOK, POLICY)
    assert found is not None and found.automatic(POLICY)
    assert lines(found) == [("INV-000123", "1000.00", "0")]
    assert "the remittance names INV-000123" in found.reasons


def test_a_reference_one_character_off_still_finds_its_invoice() -> None:
    book = [item("INV-104130", "480.50"), item("INV-200000", "480.50")]
    found = match(pay("480.50", "INV-104103"), book, POLICY)
    assert found is not None and found.automatic(POLICY)
    assert lines(found) == [("INV-104130", "480.50", "0")]
    assert any("one character different" in r for r in found.reasons)


def test_a_number_one_character_from_two_invoices_waits_unless_the_amount_picks_one() -> None:
    book = [item("INV-5550", "100.00"), item("INV-5551", "200.00", due=1), item("INV-5552", "300.00", due=2)]
    # 5553 is one character from all three: the amount of 300 picks 5552.
    picked = match(pay("300.00", "INV-5553"), book, POLICY)
    assert picked is not None and picked.automatic(POLICY) and lines(picked) == [("INV-5552", "300.00", "0")]
    unpicked = match(pay("123.00", "INV-5553"), book, POLICY)
    assert unpicked is None or not unpicked.automatic(POLICY)


def test_2_10_net_30_a_payment_within_ten_days_less_two_per_cent_settles_the_invoice() -> None:
    """2/10 net 30 on an invoice of 1,000: paid within 10 days, 980 settles it (Investopedia,
    "2/10 Net 30"); the 20 is a deduction the ERP books as a discount."""
    book = [item("INV-9001", "1000.00", discount="0.02"), item("INV-9002", "10000.00", discount="0.02")]
    found = match(pay("980.00", "INV-9001", on=date(2026, 11, 9)), book, POLICY)
    assert found is not None and found.automatic(POLICY)
    assert found.lines == (Line("ACME", "INV-9001", Decimal("980.00"), Decimal("20.00"), DISCOUNT),)
    # After the discount period 9,800 of 10,000 is a short payment: 200 stays open.
    late = match(pay("9800.00", "INV-9002", on=date(2026, 11, 20)), book, POLICY)
    assert late is not None and lines(late) == [("INV-9002", "9800.00", "0")]


def test_bank_charges_within_the_policy_settle_the_invoice_and_more_is_a_short_payment() -> None:
    charged = match(pay("985.00", "INV-000123"), BOOK, POLICY)
    assert charged is not None and charged.automatic(POLICY)
    assert charged.lines == (Line("ACME", "INV-000123", Decimal("985.00"), Decimal("15.00"), BANK_CHARGES),)
    short = match(pay("600.00", "INV-000123"), BOOK, POLICY)
    assert short is not None and lines(short) == [("INV-000123", "600.00", "0")]
    assert any("short payment" in r for r in short.reasons)


def test_a_payment_larger_than_what_it_names_leaves_the_rest_on_account() -> None:
    found = match(pay("1100.00", "INV-000123"), BOOK, POLICY)
    assert found is not None and found.automatic(POLICY)
    assert lines(found) == [("INV-000123", "1000.00", "0")] and found.applied == Decimal("1000.00")
    # The rest is exactly another open invoice: both are paid.
    both = match(pay("1250.00", "INV-000123"), BOOK, POLICY)
    assert both is not None and lines(both) == [("INV-000123", "1000.00", "0"), ("INV-000124", "250.00", "0")]


def test_without_a_reference_the_amount_finds_one_invoice_a_pair_or_the_whole_balance() -> None:
    one = match(pay("480.50", "TRANSFER"), BOOK, POLICY)
    assert one is not None and one.automatic(POLICY) and lines(one) == [("INV-000130", "480.50", "0")]
    pair = match(pay("730.50", ""), BOOK, POLICY)
    assert pair is not None and pair.automatic(POLICY)
    assert sorted(lines(pair)) == [("INV-000124", "250.00", "0"), ("INV-000130", "480.50", "0")]
    whole = match(pay("1730.50", ""), BOOK, POLICY)
    assert whole is not None and whole.automatic(POLICY) and len(whole.lines) == 3
    assert match(pay("77.77", ""), BOOK, POLICY) is None


def test_two_invoices_of_the_same_amount_wait_for_a_person_with_the_oldest_proposed() -> None:
    book = [item("A-1001", "500.00", due=3), item("A-1002", "500.00", due=1)]
    found = match(pay("500.00", ""), book, POLICY)
    assert found is not None and not found.automatic(POLICY)
    assert lines(found) == [("A-1002", "500.00", "0")]


def test_a_remittance_naming_another_customers_invoice_is_never_applied_by_itself() -> None:
    stranger = item("INV-777777", "480.50", customer="OTHER")
    found = match(pay("480.50", "INV-777777"), BOOK, POLICY, [stranger])
    assert found is not None and not found.automatic(POLICY)
    assert found.held == ("the remittance names invoice INV-777777 of customer OTHER",)
    # Its amount still points at the customer's own invoice, for the person to confirm.
    assert lines(found) == [("INV-000130", "480.50", "0")]


def test_a_credit_groups_invoices_are_matched_only_when_the_policy_allows_and_never_by_themselves() -> None:
    sister = item("INV-888888", "555.55", customer="ACME-DE")
    assert match(pay("555.55", "INV-888888"), [*BOOK, sister], POLICY) is None
    grouped = Policy("group", group_items=True)
    found = match(pay("555.55", "INV-888888"), [*BOOK, sister], grouped)
    assert found is not None and not found.automatic(grouped)
    assert found.lines == (Line("ACME-DE", "INV-888888", Decimal("555.55")),)
    assert found.held == ("pays invoices of ACME-DE, of the same credit group",)


def test_the_combination_search_stops_at_its_budget() -> None:
    many = [item(f"X-{n}", f"{n}.00", due=n) for n in range(1, 40)]
    assert combinations(Decimal("3.00"), many, 2, 1000) == [(many[0], many[1])]
    # Two ways of making 6 from three items or fewer: 1+5 and 2+4 (and 1+2+3).
    assert len(combinations(Decimal("6.00"), many, 3, 1000, wanted=3)) == 3
    assert combinations(Decimal("117.00"), many, 3, 10) == []
