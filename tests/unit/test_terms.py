"""Payment terms codes and the due dates they give."""

from __future__ import annotations

from datetime import date

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
    ],
)
def test_terms_give_the_due_date(code: str, invoice: date, due: date) -> None:
    assert parse_terms(code).due_date(invoice) == due


@pytest.mark.parametrize("code", ["", "NET", "net30", "NET-5", "NET366", "EOM", "30 EOM", "NET30X", "COD"])
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
