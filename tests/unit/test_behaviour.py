"""Payment behaviour: the payment index anchors, weighted lateness, trend and high credit."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from shared.domain.behaviour import Invoice, Policy, assess, index_for, months_before

D = Decimal
AS_OF = date(2026, 11, 30)


@pytest.mark.parametrize(
    ("days_late", "index"),
    # Dun & Bradstreet's PAYDEX scale: 100 anticipates (30 days early here), 80 = prompt, 70 = 15 days
    # beyond terms, 60 = 22, 50 = 30, 40 = 60, 30 = 90, 20 = 120 or more.
    [(-45, 100), (-30, 100), (0, 80), (15, 70), (22, 60), (30, 50), (60, 40), (90, 30), (120, 20), (400, 20)],
)
def test_the_payment_index_at_each_anchor(days_late: int, index: int) -> None:
    assert index_for(days_late) == index


def test_the_payment_index_is_linear_between_anchors() -> None:
    assert index_for(-15) == 90
    assert index_for(20) == D(70) - D(10) * 5 / 7
    assert index_for(26) == 55
    assert index_for(45) == 45


def paid(amount: int, due: date, days_late: int) -> Invoice:
    return Invoice(D(amount), D(0), due - timedelta(days=30), due, due + timedelta(days=days_late))


def test_weighted_figures_of_settled_invoices() -> None:
    invoices = [
        paid(1000, date(2026, 10, 1), 0),  # on time: 80
        paid(3000, date(2026, 9, 1), 30),  # 30 days late: 50
        paid(1000, date(2026, 8, 1), -30),  # 30 days early: 100
    ]
    b = assess(invoices, [], AS_OF)
    assert b.settled_invoices == 3
    # (0·1000 + 30·3000 − 30·1000) / 5000 = 12.0
    assert b.weighted_days_late == D("12.0")
    assert b.on_time_share == D("0.4000")
    # (80·1000 + 50·3000 + 100·1000) / 5000 = 66
    assert b.payment_index == 66
    assert (b.max_days_past_due, b.days_beyond_terms, b.bounced_payments) == (0, D(0), 0)


def test_too_few_settled_invoices_give_no_index() -> None:
    b = assess([paid(1000, date(2026, 10, 1), 0)], [], AS_OF)
    assert b.payment_index is None
    assert b.weighted_days_late == 0
    assert (
        assess([paid(1000, date(2026, 10, 1), 0)], [], AS_OF, Policy(min_settled_invoices=1)).payment_index
        == 80
    )


def test_open_overdue_invoices_and_the_window() -> None:
    invoices = [
        Invoice(D(1000), D(400), date(2026, 9, 1), date(2026, 10, 1)),  # 60 days past due, 400 open
        Invoice(D(600), D(600), date(2026, 10, 1), date(2026, 10, 31)),  # 30 days past due
        Invoice(D(900), D(900), date(2026, 11, 15), date(2026, 12, 15)),  # not due
        paid(5000, date(2025, 10, 1), 5),  # settled before the 12-month window: not counted
    ]
    bounced = [date(2026, 6, 1), date(2025, 11, 30), date(2025, 12, 1)]
    b = assess(invoices, bounced, AS_OF)
    assert b.max_days_past_due == 60
    # (400·60 + 600·30) / 1000 = 42.0
    assert b.days_beyond_terms == D("42.0")
    assert b.settled_invoices == 0
    assert b.bounced_payments == 2  # 30 Nov 2025 is the window's first day, outside it


def test_trend_compares_the_last_three_months_with_the_nine_before() -> None:
    invoices = [
        paid(1000, date(2026, 10, 1), 20),
        paid(1000, date(2026, 4, 1), 5),
        paid(1000, date(2026, 3, 1), 1),
    ]
    assert assess(invoices, [], AS_OF).trend_days == D("17.0")  # 20 − (5 + 1) / 2


def test_high_credit_is_the_most_carried_while_nothing_was_overdue() -> None:
    invoices = [
        # 1 to 30 June, due 30 June, paid on time.
        Invoice(D(1000), D(0), date(2026, 6, 1), date(2026, 6, 30), date(2026, 6, 30)),
        # 10 June to 20 July, due 10 July: overdue from 11 July.
        Invoice(D(2000), D(0), date(2026, 6, 10), date(2026, 7, 10), date(2026, 7, 20)),
        # 15 July: while the one above is overdue, 2000 + 5000 does not count.
        Invoice(D(5000), D(5000), date(2026, 7, 15), date(2026, 12, 15)),
    ]
    assert assess(invoices, [], AS_OF).high_credit == D(5000)
    assert assess(invoices[:2], [], AS_OF).high_credit == D(3000)


def test_months_before_keeps_the_day_or_ends_the_month() -> None:
    assert months_before(date(2026, 11, 30), 12) == date(2025, 11, 30)
    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert months_before(date(2026, 1, 15), 3) == date(2025, 10, 15)
