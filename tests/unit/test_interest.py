"""Late-payment interest, against figures worked by hand below.

The method is the one UK and EU guidance on late commercial payments shows: the annual rate
(reference rate + 8 points) on the debt, divided by 365 for a daily amount, times the days late
(gov.uk, "Late commercial payments: charging interest and debt recovery": a GBP 1,000 debt at 8.5 %
earns GBP 85 a year, GBP 0.2329 a day). Directive 2011/7/EU, Art. 2(6) and 3: reference rate of
1 January for the first half-year and of 1 July for the second, plus 8 points; EUR 40 fixed
compensation (Art. 6).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared import dunning_policies
from shared.domain.dunning import InvalidDunningPolicy
from shared.domain.interest import (
    MissingReferenceRate,
    Payment,
    RateRule,
    Tier,
    compensation_for,
    late_interest,
)
from shared.domain.money import round_money

D = Decimal
# ECB main refinancing rate: 2.50 % on 1 January 2023, 4.00 % on 1 July 2023, 4.50 % on
# 1 January 2024.
ECB = {date(2023, 1, 1): D("0.025"), date(2023, 7, 1): D("0.04"), date(2024, 1, 1): D("0.045")}
STATUTORY = RateRule(margin=D("0.08"), reference=ECB)


def test_the_gov_uk_method_gbp_1000_thirty_days_late_at_8_5_percent() -> None:
    # 1,000 × 8.5 % = 85 a year; 85 / 365 = 0.232877 a day; × 30 = 6.986 → 6.99.
    result = late_interest(
        amount=D("1000.00"),
        currency="GBP",
        due_date=date(2024, 4, 30),
        payments=[Payment(date(2024, 5, 30), D("1000.00"))],
        as_of=date(2024, 6, 30),
        rate=RateRule(fixed=D("0.085")),
    )
    assert (result.interest, result.days_late) == (D("6.99"), 30)


def test_eu_statutory_rate_with_the_fixed_compensation() -> None:
    # 10,000 EUR due 31 March 2024, paid 30 May 2024: 60 days (30 of April, 30 of May) at
    # 4.50 + 8 = 12.50 %: 10,000 × 0.125 × 60 / 365 = 205.479 → 205.48; and EUR 40.
    result = late_interest(
        amount=D("10000.00"),
        currency="EUR",
        due_date=date(2024, 3, 31),
        payments=[Payment(date(2024, 5, 30), D("10000.00"))],
        as_of=date(2024, 12, 31),
        rate=STATUTORY,
        compensation=D("40.00"),
    )
    assert (result.interest, result.compensation, result.days_late) == (D("205.48"), D("40.00"), 60)
    [period] = result.periods
    assert (period.rate, period.days) == (D("0.125"), 60)


def test_partial_payments_lower_the_balance_from_the_next_day() -> None:
    # 4,000 paid on 30 April: April 1–30 on 10,000 (30 days), May 1–30 on 6,000 (30 days):
    # (300,000 + 180,000) × 0.125 / 365 = 164.383 → 164.38.
    result = late_interest(
        amount=D("10000.00"),
        currency="EUR",
        due_date=date(2024, 3, 31),
        payments=[Payment(date(2024, 4, 30), D("4000.00")), Payment(date(2024, 5, 30), D("6000.00"))],
        as_of=date(2024, 12, 31),
        rate=STATUTORY,
    )
    assert result.interest == D("164.38")
    assert [(p.balance, p.days) for p in result.periods] == [(D("10000.00"), 30), (D("6000.00"), 30)]


def test_the_rate_follows_the_half_year() -> None:
    # 1,000 due 15 June 2023, paid 15 July: 15 days at 2.50 + 8 = 10.5 %, 15 days at 4 + 8 = 12 %:
    # 1,000 × (15 × 0.105 + 15 × 0.12) / 365 = 3,375 / 365 = 9.2466 → 9.25.
    result = late_interest(
        amount=D("1000.00"),
        currency="EUR",
        due_date=date(2023, 6, 15),
        payments=[Payment(date(2023, 7, 15), D("1000.00"))],
        as_of=date(2023, 12, 31),
        rate=STATUTORY,
    )
    assert result.interest == D("9.25")
    assert [(p.rate, p.days) for p in result.periods] == [(D("0.105"), 15), (D("0.12"), 15)]


def test_the_directive_fixes_the_rate_per_half_year_from_the_rate_history() -> None:
    # The ECB moved to 3.75 % on 10 May 2023 and 4.00 % on 21 June; the Directive applies the rate
    # in force on 1 January (2.50 %) to the whole first half-year: the same 9.25 as above.
    history = {
        date(2022, 12, 21): D("0.025"),
        date(2023, 2, 8): D("0.03"),
        date(2023, 5, 10): D("0.0375"),
        date(2023, 6, 21): D("0.04"),
    }
    by_half_year = RateRule(margin=D("0.08"), reference=history, per="half_year")
    result = late_interest(
        amount=D("1000.00"),
        currency="EUR",
        due_date=date(2023, 6, 15),
        payments=[Payment(date(2023, 7, 15), D("1000.00"))],
        as_of=date(2023, 12, 31),
        rate=by_half_year,
    )
    assert result.interest == D("9.25")
    # Day by day, the same history gives 5 days at 11.75 % and 25 at 12 %:
    # 1,000 × (5 × 0.1175 + 25 × 0.12) / 365 = 3,587.5 / 365 = 9.8288 → 9.83.
    by_day = late_interest(
        amount=D("1000.00"),
        currency="EUR",
        due_date=date(2023, 6, 15),
        payments=[Payment(date(2023, 7, 15), D("1000.00"))],
        as_of=date(2023, 12, 31),
        rate=RateRule(margin=D("0.08"), reference=history),
    )
    assert by_day.interest == D("9.83")
    assert [(p.rate, p.days) for p in by_day.periods] == [(D("0.1175"), 5), (D("0.12"), 25)]


def test_a_leap_day_is_a_day_and_the_year_still_has_365() -> None:
    # Due 28 February 2024, open on 1 March: 29 February and 1 March, 2 days:
    # 36,500 × 0.10 × 2 / 365 = 20.00 exactly.
    result = late_interest(
        amount=D("36500.00"),
        currency="EUR",
        due_date=date(2024, 2, 28),
        payments=[],
        as_of=date(2024, 3, 1),
        rate=RateRule(fixed=D("0.10")),
    )
    assert (result.interest, result.days_late) == (D("20.00"), 2)


def test_jpy_rounds_to_the_yen() -> None:
    # ¥1,000,000 at 10 % for 45 days: 12,328.767 → ¥12,329.
    result = late_interest(
        amount=D("1000000"),
        currency="JPY",
        due_date=date(2026, 3, 31),
        payments=[],
        as_of=date(2026, 5, 15),
        rate=RateRule(fixed=D("0.10")),
    )
    assert (result.interest, result.days_late) == (D("12329"), 45)


def test_on_time_and_early_payments_earn_nothing_and_lower_what_runs_late() -> None:
    on_time = late_interest(
        amount=D("500.00"),
        currency="EUR",
        due_date=date(2026, 1, 31),
        payments=[Payment(date(2026, 1, 31), D("500.00"))],
        as_of=date(2026, 6, 30),
        rate=RateRule(fixed=D("0.10")),
    )
    assert (on_time.interest, on_time.compensation, on_time.days_late) == (D(0), D(0), 0)
    # 365 of 730 paid before the due date: the other 365 runs 10 days late at 10 %: 1.00.
    partly = late_interest(
        amount=D("730.00"),
        currency="EUR",
        due_date=date(2026, 1, 31),
        payments=[Payment(date(2026, 1, 20), D("365.00"))],
        as_of=date(2026, 2, 10),
        rate=RateRule(fixed=D("0.10")),
    )
    assert partly.interest == D("1.00")


def test_a_day_without_a_reference_rate_is_refused() -> None:
    with pytest.raises(MissingReferenceRate):
        late_interest(
            amount=D("100.00"),
            currency="EUR",
            due_date=date(2022, 12, 1),
            payments=[],
            as_of=date(2023, 1, 10),
            rate=STATUTORY,
        )


@given(
    amount=st.integers(min_value=1, max_value=10**7),
    late=st.integers(min_value=1, max_value=400),
    paid=st.lists(
        st.tuples(st.integers(min_value=-30, max_value=400), st.integers(min_value=1, max_value=10**6)),
        max_size=6,
    ),
)
def test_periods_agree_with_a_plain_day_by_day_sum(
    amount: int, late: int, paid: list[tuple[int, int]]
) -> None:
    due = date(2023, 3, 15)
    payments = [Payment(due + timedelta(days=day), D(cents) / 100) for day, cents in paid]
    as_of = due + timedelta(days=late)
    result = late_interest(
        amount=D(amount) / 100,
        currency="EUR",
        due_date=due,
        payments=payments,
        as_of=as_of,
        rate=STATUTORY,
    )
    # The plain way: every day after the due date, on what was open at the start of that day,
    # until the balance is gone or as_of is reached.
    expected, day = D(0), due
    while day < as_of:
        day += timedelta(days=1)
        open_before = D(amount) / 100 - sum((p.amount for p in payments if p.day < day), D(0))
        if open_before <= 0:
            break
        expected += open_before * STATUTORY.on(day) / 365
    assert result.interest == round_money(expected, "EUR")


UK_TIERS = (Tier(D(40), D(1000)), Tier(D(70), D(10000)), Tier(D(100)))


@pytest.mark.parametrize(
    ("debt", "owed"),
    # Late Payment of Commercial Debts (Interest) Act 1998, s. 5A(2): £40 for a debt under £1,000,
    # £70 for £1,000 or more but under £10,000, £100 for £10,000 or more.
    [("999.99", 40), ("1000.00", 70), ("9999.99", 70), ("10000.00", 100), ("250000.00", 100)],
)
def test_the_uk_fixed_sums_by_the_size_of_the_debt(debt: str, owed: int) -> None:
    assert compensation_for(UK_TIERS, D(debt)) == owed


def test_a_flat_compensation_and_none() -> None:
    assert compensation_for((Tier(D(40)),), D("12.00")) == 40  # Directive 2011/7/EU, Art. 6
    assert compensation_for((), D("12.00")) == 0


def test_the_shipped_policy_claims_the_directives_and_the_acts_sums() -> None:
    policy = dunning_policies.parse(dunning_policies.default_document(), "default")
    assert policy.compensation["EUR"] == (Tier(D(40)),)
    assert policy.compensation["GBP"] == UK_TIERS


@pytest.mark.parametrize(
    "tiers",
    [
        [{"below": "10000", "amount": "70"}, {"below": "1000", "amount": "40"}, {"amount": "100"}],
        [{"below": "1000", "amount": "40"}],
        [{"amount": "40"}, {"amount": "100"}],
    ],
)
def test_tiers_out_of_order_or_without_an_open_end_are_refused(tiers: list[dict[str, str]]) -> None:
    document = {**dunning_policies.default_document(), "compensation": {"GBP": tiers}}
    with pytest.raises(InvalidDunningPolicy) as refused:
        dunning_policies.parse(document, "v2")
    assert refused.value.extra["errors"][0]["pointer"] == "#/compensation/GBP"


def test_a_correcting_credit_note_takes_its_part_off_from_the_due_date() -> None:
    # Worked by hand, at a fixed 8 %, ACT/365: an invoice of 10,000 due 1 March 2026 was billed
    # 2,000 too high; the credit note of 31 March corrects it, and the 8,000 owed is paid on 30
    # April. Interest runs 2 March to 30 April (60 days) on 8,000: 8,000 × 0.08 × 60 / 365 = 105.21.
    # Had the credit note settled part of a debt rightly billed, the 10,000 runs 30 days and the
    # 8,000 the next 30: 65.75 + 52.60 = 118.36.
    note, payment = Payment(date(2026, 3, 31), D(2000)), Payment(date(2026, 4, 30), D(8000))

    def interest(corrections: list[Payment]) -> D:
        return late_interest(
            amount=D(10_000),
            currency="EUR",
            due_date=date(2026, 3, 1),
            payments=[note, payment],
            as_of=date(2026, 6, 30),
            rate=RateRule(fixed=D("0.08")),
            corrections=corrections,
        ).interest

    assert interest([note]) == D("105.21")
    assert interest([]) == D("118.36")
    # A correction the reductions do not hold (not yet applied) moves nothing.
    assert interest([Payment(date(2026, 4, 1), D(500))]) == D("118.36")
