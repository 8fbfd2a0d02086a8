"""Payment terms codes and the due dates they give."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from shared.domain.terms import InvalidTerms, invoice_due_date, parse_terms


@pytest.mark.parametrize(
    ("code", "invoice", "due"),
    [
        ("NET30", date(2026, 3, 10), date(2026, 4, 9)),
        ("NET60", date(2026, 12, 15), date(2027, 2, 13)),
        ("NET0", date(2026, 3, 10), date(2026, 3, 10)),
        # End of the invoice month (31 March) + 30 days.
        ("EOM30", date(2026, 3, 10), date(2026, 4, 30)),
        ("EOM0", date(2026, 2, 3), date(2026, 2, 28)),
        # 30 days (9 April), then to the end of that month.
        ("30EOM", date(2026, 3, 10), date(2026, 4, 30)),
        ("30EOM", date(2026, 1, 31), date(2026, 3, 31)),
        # Leap year: February has 29 days in 2028.
        ("EOM0", date(2028, 2, 10), date(2028, 2, 29)),
        ("PREPAY", date(2026, 3, 10), date(2026, 3, 10)),
        # A discount for early payment leaves the due date as the net terms give it.
        ("2/10 NET30", date(2026, 3, 10), date(2026, 4, 9)),
        ("1.5/7EOM30", date(2026, 3, 10), date(2026, 4, 30)),
    ],
)
def test_terms_give_the_due_date(code: str, invoice: date, due: date) -> None:
    assert parse_terms(code).due_date(invoice) == due


@pytest.mark.parametrize(
    "code",
    [
        *("", "NET", "net30", "NET-5", "NET366", "EOM", "30 EOM", "NET30X", "COD"),
        *("0/10 NET30", "2/ NET30", "2/10  NET30", "100/10 NET30"),
    ],
)
def test_malformed_terms_are_refused(code: str) -> None:
    with pytest.raises(InvalidTerms):
        parse_terms(code)


def test_an_invoice_keeps_its_own_due_date_else_takes_its_customers_terms() -> None:
    issued = date(2026, 3, 10)
    # The ERP's due date wins over the terms in the credit file.
    assert invoice_due_date(issued, date(2026, 5, 1), "NET30") == date(2026, 5, 1)
    # Undated: NET30 gives 9 April, as in the table above.
    assert invoice_due_date(issued, None, "NET30") == date(2026, 4, 9)
    # Neither: no due date, which the ledger refuses.
    assert invoice_due_date(issued, None, None) is None


def test_2_10_net_30_grants_two_per_cent_within_ten_days() -> None:
    """The classic trade-credit term (e.g. Investopedia, "2/10 Net 30"): 2 % off when paid within
    10 days of the invoice date, otherwise the full amount within 30 days."""
    terms = parse_terms("2/10 NET30")
    assert (terms.discount, terms.discount_days, terms.days) == (Decimal("0.02"), 10, 30)
    assert parse_terms("NET30").discount == 0
