"""Payment terms as codes, and the due date they give an invoice.

Grammar (upper case, no spaces):

- `NET<n>`: due `n` days after the invoice date (`NET30`, `NET60`; `NET0` is due on receipt);
- `EOM<n>`: due `n` days after the end of the invoice's month (`EOM30`: invoice 10 March, due 30 April);
- `<n>EOM`: `n` days after the invoice date, then to the end of that month (`30EOM`: invoice
  10 March, 9 April, due 30 April);
- `PREPAY`: cash in advance, due on the invoice date.

`n` is 0 to 365. Any of them may be preceded by an early-payment discount, `<p>/<d> `: `p` per cent
off when paid within `d` days of the invoice date (`2/10 NET30`: 2 % off within 10 days, else the
whole amount in 30 days). A code is at most 10 characters.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from shared.domain.errors import InvalidInput

MAX_DAYS = 365
MAX_LENGTH = 10
_GRAMMAR = re.compile(
    r"^(?:(?P<discount>\d{1,2}(?:\.\d{1,2})?)/(?P<discount_days>\d{1,3}) ?)?"
    r"(?:NET(?P<net>\d{1,3})|EOM(?P<eom>\d{1,3})|(?P<then_eom>\d{1,3})EOM|(?P<prepay>PREPAY))$"
)


class InvalidTerms(InvalidInput):
    code = "invalid-payment-terms"
    title = "Invalid payment terms"


@dataclass(frozen=True)
class Terms:
    code: str
    days: int
    # Where the days count from, and whether the result moves to its month's end.
    from_month_end: bool = False
    to_month_end: bool = False
    # The share off (0.02) when paid within `discount_days` of the invoice date.
    discount: Decimal = Decimal(0)
    discount_days: int = 0

    def due_date(self, invoice_date: date) -> date:
        start = _month_end(invoice_date) if self.from_month_end else invoice_date
        due = start + timedelta(days=self.days)
        return _month_end(due) if self.to_month_end else due


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def parse_terms(code: str) -> Terms:
    match = _GRAMMAR.match(code) if len(code) <= MAX_LENGTH else None
    if match is None:
        raise InvalidTerms(
            f"{code!r} is not a payment terms code (NET<n>, EOM<n>, <n>EOM or PREPAY, "
            "optionally after a discount such as 2/10)"
        )
    discount = Decimal(match["discount"] or 0) / 100
    discount_days = int(match["discount_days"] or 0)
    if match["discount"] is not None and not (0 < discount < 1 and discount_days <= MAX_DAYS):
        raise InvalidTerms(f"{code!r}: a discount is above 0 and below 100 %, within {MAX_DAYS} days")
    if match["prepay"]:
        return Terms(code, 0, discount=discount, discount_days=discount_days)
    days = int(match["net"] or match["eom"] or match["then_eom"])
    if days > MAX_DAYS:
        raise InvalidTerms(f"{code!r}: at most {MAX_DAYS} days")
    return Terms(
        code,
        days,
        from_month_end=match["eom"] is not None,
        to_month_end=match["then_eom"] is not None,
        discount=discount,
        discount_days=discount_days,
    )


def invoice_due_date(issue_date: date, due_date: date | None, terms_code: str | None) -> date | None:
    """An invoice's own due date; without one, the date its customer's payment terms give; None
    when it has neither (the ledger refuses such an invoice)."""
    if due_date is not None or terms_code is None:
        return due_date
    return parse_terms(terms_code).due_date(issue_date)
