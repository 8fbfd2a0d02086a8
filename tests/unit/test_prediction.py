"""Payment prediction on hand-worked cases (`shared/domain/prediction.py`), and the property that a
forecast as of a date depends only on what is dated on or before it.

The band's 1.2816 is the standard normal's 90th percentile (NIST/SEMATECH e-Handbook of Statistical
Methods, 1.3.6.7.1, cumulative distribution of the standard normal: Φ(1.28) = 0.89973,
Φ(1.29) = 0.90147)."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.domain.prediction import (
    NO_PROMISE,
    Z80,
    Forecast,
    Habits,
    Items,
    Paid,
    Payment,
    Policy,
    day_number,
    day_of,
    habits,
    peers,
    point_weeks,
    weekly,
    weekly_error,
)

AS_OF = date(2026, 6, 30)
ONE = np.zeros(1, dtype=np.intp)
ON_TIME = peers(Paid.of([]), ONE, 1, AS_OF)  # no peers: every invoice paid on its due date
FLAT = Policy(half_life_days=math.inf)  # every payment weighs its amount alone
OWN = Policy(half_life_days=math.inf, prior_strength=0)  # and the prior not at all


def habit(
    payments: list[Payment], prior: object = None, policy: Policy = Policy(), kept: int = 0, broken: int = 0
) -> Habits:
    """One customer's habit (peers on time unless given)."""
    table = ON_TIME if prior is None else prior
    return habits(
        Paid.of(payments), 1, np.asarray(table), AS_OF, policy, np.array([kept]), np.array([broken])
    )


def paid(days_late: int, paid_on: date, amount: float = 100.0) -> Payment:
    return Payment(paid_on, paid_on - timedelta(days=days_late), amount)


def monthly(lates: list[int]) -> list[Payment]:
    """One payment every 30 days, the last 15 days before the as-of date (none near a month-end)."""
    return [
        paid(late, AS_OF - timedelta(days=15 + 30 * (len(lates) - 1 - n))) for n, late in enumerate(lates)
    ]


def items(
    dues: list[date], promised: list[date | None] | None = None, disputed: list[bool] | None = None
) -> Items:
    promised = promised or [None] * len(dues)
    return Items(
        habit=np.zeros(len(dues), dtype=np.intp),
        due=np.array([day_number(d) for d in dues], dtype=np.int64),
        amount=np.full(len(dues), 1000.0),
        promised=np.array([NO_PROMISE if p is None else day_number(p) for p in promised], dtype=np.int64),
        disputed=np.array(disputed or [False] * len(dues)),
    )


def dates(forecast: Forecast, q: float) -> list[date]:
    return [day_of(n) for n in forecast.quantile(q)]


def test_a_regular_payer_is_expected_its_days_late_after_the_due_date_shrunk_toward_its_peers() -> None:
    # Ten payments ten days late: its own weighs 10 / (10 + 5); the peers (on time) the other third.
    regular = habit(monthly([10] * 10), policy=FLAT)
    assert regular.own_weight[0] == 10 / 15
    due = AS_OF + timedelta(days=20)
    forecast = Forecast(regular, items([due]), AS_OF)
    assert dates(forecast, 0.5) == [due + timedelta(days=10)]
    assert dates(forecast, 0.1) == [due]  # a third of the mass is the peers' on-time payment
    assert np.isclose(forecast.paid_by(day_number(due)), [1 / 3]).all()
    assert forecast.paid_by(day_number(due) - 1) == np.array([0.0])


def test_one_payment_is_too_little_to_move_a_customer_far_from_its_peers() -> None:
    thin = habit([paid(20, AS_OF)], policy=FLAT)
    assert thin.own_weight[0] == 1 / 6
    due = AS_OF + timedelta(days=5)
    assert dates(Forecast(thin, items([due]), AS_OF), 0.5) == [due]


def test_an_overdue_invoice_is_paid_after_today_by_what_its_habit_leaves() -> None:
    regular = habit(monthly([10] * 10), policy=FLAT)
    due = AS_OF - timedelta(days=5)
    forecast = Forecast(regular, items([due]), AS_OF)
    # The on-time third is gone by today: all that is left is ten days late.
    assert dates(forecast, 0.1) == dates(forecast, 0.9) == [due + timedelta(days=10)]
    assert forecast.paid_by(day_number(due)) == np.array([0.0])
    # Far beyond anything it ever did: no chance left, expected beyond a year.
    old = Forecast(regular, items([AS_OF - timedelta(days=40)]), AS_OF)
    assert dates(old, 0.5) == [AS_OF + timedelta(days=366)]
    assert old.paid_by(day_number(AS_OF) + 30) == np.array([0.0])


def test_a_slipping_payer_is_expected_later_than_its_average() -> None:
    # 5, 8, … 35 days late, every 30 days, the last 15 days ago: 0.1 day more each day, so the level
    # today is 36.5 against an average of 20; the habit moves 16.5 days (16 whole days) on and its
    # median (the sixth of eleven, 20) becomes 36.
    slipping = habit(monthly([5 + 3 * k for k in range(11)]), policy=OWN)
    assert np.isclose(slipping.trend_days[0], 16.5)
    assert slipping.average_days_late[0] == 20.0
    due = AS_OF + timedelta(days=10)
    assert dates(Forecast(slipping, items([due]), AS_OF), 0.5) == [due + timedelta(days=36)]


def test_a_payer_on_month_end_runs_is_expected_on_a_month_end() -> None:
    # Invoices due mid-month, paid on the month's last day (or the first of the next).
    ends = [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30), date(2026, 5, 29)]
    runs = [Payment(end, end.replace(day=15), 100.0) for end in ends]
    runs.append(Payment(date(2026, 3, 1), date(2026, 2, 10), 100.0))  # February's run, a day late
    found = habit(runs)
    assert found.runs[0]
    forecast = Forecast(found, items([date(2026, 7, 10), date(2026, 7, 31)]), AS_OF)
    assert dates(forecast, 0.5) == [date(2026, 7, 31), date(2026, 7, 31)]
    assert forecast.paid_by(day_number(date(2026, 7, 30))).tolist() == [0.0, 0.0]
    assert forecast.paid_by(day_number(date(2026, 7, 31))).tolist() == [1.0, 1.0]


def test_a_promise_sets_the_date_and_broken_promises_widen_the_band() -> None:
    due = AS_OF + timedelta(days=10)
    promised = AS_OF + timedelta(days=3)
    trusted = habit(monthly([10] * 10), policy=OWN)
    forecast = Forecast(trusted, items([due], [promised]), AS_OF)
    assert trusted.kept_share[0] == 0.7  # nothing settled yet: 1.4 / 2
    assert dates(forecast, 0.5) == [promised]
    assert dates(forecast, 0.9) == [due + timedelta(days=10)]
    assert forecast.paid_by(day_number(promised)) == np.array([0.7])
    breaker = habit(monthly([10] * 10), policy=OWN, broken=3)
    assert breaker.kept_share[0] == 1.4 / 5
    forecast = Forecast(breaker, items([due], [promised]), AS_OF)
    assert dates(forecast, 0.1) == [promised]
    assert dates(forecast, 0.5) == [due + timedelta(days=10)]
    # A promised date already past is no promise.
    past = Forecast(trusted, items([due], [AS_OF]), AS_OF)
    assert dates(past, 0.5) == [due + timedelta(days=10)]


def test_the_weekly_forecast_adds_the_chances_and_leaves_disputed_invoices_out() -> None:
    regular = habit(monthly([10] * 10), policy=FLAT)  # a third on time, the rest 10 days late
    dues = [AS_OF + timedelta(days=2), AS_OF + timedelta(days=2), AS_OF + timedelta(days=30)]
    forecast = Forecast(regular, items(dues, disputed=[False, True, False]), AS_OF)
    weeks = weekly(forecast, np.zeros(3, dtype=np.intp), 1, 13)
    expected = weeks.expected[0]
    # The first: 1/3 in week 0 (day 2), 2/3 in week 1 (day 12); the third: day 30 (week 4) and 40.
    assert np.allclose(expected[:6], [1000 / 3, 2000 / 3, 0, 0, 1000 / 3, 2000 / 3])
    assert np.isclose(expected.sum(), 2000)
    low, high = weeks.band()
    spread = Z80 * np.sqrt(1000**2 * (1 / 3) * (2 / 3))
    assert np.isclose(high[0][0] - expected[0], spread)
    assert low[0][0] == 0  # never less than nothing


def test_weekly_error_compares_forecast_and_actual_cash_by_week() -> None:
    as_of = AS_OF
    paid_on = np.array([day_number(as_of) + 1, day_number(as_of) + 9], dtype=np.int64)
    actual = point_weeks(paid_on, np.array([100.0, 300.0]), as_of, np.zeros(2, dtype=np.intp), 1, 13)
    assert actual[0][:2].tolist() == [100.0, 300.0]
    guess = point_weeks(paid_on + 7, np.array([100.0, 300.0]), as_of, np.zeros(2, dtype=np.intp), 1, 13)
    # 100 missing from week 0, 200 too little in week 1, 300 too much in week 2: 600 / 400.
    assert weekly_error(guess, actual) == 150.0


payments = st.lists(
    st.builds(
        lambda paid, late, amount: paid_late(paid, late, amount),
        st.integers(-400, 200),
        st.integers(-20, 120),
        st.floats(1, 10_000),
    ),
    max_size=30,
)


def paid_late(offset: int, late: int, amount: float) -> Payment:
    on = AS_OF + timedelta(days=offset)
    return Payment(on, on - timedelta(days=late), amount)


def explained(found: Habits) -> tuple[object, ...]:
    return (tuple(found.cdf[0].round(12)), *found.explain(0).values())


@settings(max_examples=150, deadline=None)
@given(payments, st.integers(0, 5), st.integers(0, 5))
def test_a_forecast_as_of_a_date_reads_nothing_dated_after_it(
    history: list[Payment], kept: int, broken: int
) -> None:
    known = [p for p in history if p.paid_on <= AS_OF]
    prior = peers(Paid.of(history), ONE, 1, AS_OF)
    assert np.array_equal(prior, peers(Paid.of(known), ONE, 1, AS_OF))
    with_later = habit(history, prior, Policy(), kept, broken)
    without = habit(known, prior, Policy(), kept, broken)
    assert explained(with_later) == explained(without)
    dues = [AS_OF + timedelta(days=d) for d in (-90, -10, 0, 7, 45)]
    for q in (0.1, 0.5, 0.9):
        assert np.array_equal(
            Forecast(with_later, items(dues), AS_OF).quantile(q),
            Forecast(without, items(dues), AS_OF).quantile(q),
        )
