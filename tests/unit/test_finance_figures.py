"""DSO, CEI, turnover, the IFRS 9 provision matrix and roll rates, ABC classes and insured exposure,
against the reference figures of the product brief and published worked examples."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.domain import abc, dso, insurance, provisions, turnover
from shared.domain.errors import InvalidInput

ONE_PLACE = D("0.1")


def month(year: int, m: int, sales: str, days: int = 30) -> dso.Month:
    first = date(year, m, 1)
    return dso.Month(first, date.fromordinal(first.toordinal() + days - 1), D(sales))


def test_countback_dso_of_the_brief() -> None:
    # Brief: 212,000 with sales 100k (latest), 80k, 70k and 30-day months: 30 + 30 + 32/70·30 = 73.7.
    result = dso.countback(
        D(212_000), [month(2026, 9, "100000"), month(2026, 8, "80000"), month(2026, 7, "70000")]
    )
    assert result.dso is not None and result.dso.quantize(ONE_PLACE) == D("73.7")
    assert [s.absorbed for s in result.steps] == [D(100_000), D(80_000), D(32_000)]
    assert result.exhausted


def test_countback_dso_with_calendar_months() -> None:
    # calculator7.snowdaycalculatornow.com, "Debtor Days Calculation Count Back Method": 2,100,000
    # with March 900,000 (31 days), February 800,000 (28), January 700,000 (31):
    # 31 + 28 + 400/700 × 31 = 76.7.
    months = [month(2026, 3, "900000", 31), month(2026, 2, "800000", 28), month(2026, 1, "700000", 31)]
    result = dso.countback(D(2_100_000), months)
    assert result.dso is not None and result.dso.quantize(ONE_PLACE) == D("76.7")


def test_countback_runs_out_of_months_and_says_so() -> None:
    result = dso.countback(D(500), [month(2026, 9, "100"), month(2026, 8, "100")])
    assert (result.dso, result.exhausted) == (D(60), False)
    assert dso.countback(D(0), [month(2026, 9, "100")]).dso == 0


def test_standard_dso() -> None:
    # trymesha.com, "The 2 DSO Calculation Formulas": 150,000 receivables, 1,800,000 annual credit
    # sales: 150,000 / 1,800,000 × 365 = 30.4 days.
    value = dso.standard(D(150_000), D(1_800_000), 365)
    assert value is not None and value.quantize(ONE_PLACE) == D("30.4")
    assert dso.standard(D(150_000), D(0), 90) is None  # no sales: undefined, not zero


def test_best_possible_dso_and_average_days_delinquent() -> None:
    # 90 days of 900,000 sales; 300,000 open of which 200,000 not yet due: DSO 30, best 20, ADD 10.
    total = dso.standard(D(300_000), D(900_000), 90)
    best = dso.best_possible(D(200_000), D(900_000), 90)
    assert (total, best, dso.average_days_delinquent(total, best)) == (D(30), D(20), D(10))


def test_collection_effectiveness_index() -> None:
    # creditguru.com, "Collection Effectiveness Index (CEI)" sample ATB, January to March: beginning
    # 6,200, credit sales 10,890, ending total 6,340, ending current 3,590:
    # (6,200 + 10,890 − 6,340) / (6,200 + 10,890 − 3,590) = 10,750 / 13,500 = 79.63 %.
    cei = dso.collection_effectiveness(D(6200), D(10890), D(6340), D(3590))
    assert cei is not None and cei.quantize(D("0.01")) == D("79.63")
    # gaviti.com: 100,000 + 1,000,000 − 120,000 over 100,000 + 1,000,000 − 100,000 = 98 %.
    assert dso.collection_effectiveness(D(100_000), D(1_000_000), D(120_000), D(100_000)) == D(98)
    assert dso.collection_effectiveness(D(0), D(0), D(0), D(0)) is None


def test_receivables_turnover() -> None:
    # gaodun.com: credit sales 1,598,000, receivables 168,000 and 147,000 (average 157,500):
    # turnover 10.15.
    result = turnover.turnover(D(1_598_000), [D(168_000), D(147_000)], 365)
    assert result.average_receivables == D(157_500)
    assert result.ratio is not None and result.ratio.quantize(D("0.01")) == D("10.15")
    # gaodun.com: 6,205,000 on an average of 335,000: 18.52 times, 365 / 18.52 = 19.71 days.
    other = turnover.turnover(D(6_205_000), [D(335_000)], 365)
    assert other.days is not None and other.days.quantize(D("0.01")) == D("19.71")
    nothing = turnover.turnover(D(0), [D(100)], 90)
    assert (nothing.ratio, nothing.days) == (D(0), None)
    assert turnover.turnover(D(100), [D(0), D(0)], 90).ratio is None


def test_provision_matrix_of_ifrs_9_illustrative_example_12() -> None:
    # IFRS 9 IE12 (and the brief): 15.0M / 7.5M / 4.0M / 2.5M / 1.0M at 0.3 / 1.6 / 3.6 / 6.6 /
    # 10.6 % = 45,000 + 120,000 + 144,000 + 165,000 + 106,000 = 580,000.
    balances = {
        "not_due": D(15_000_000),
        "1-30": D(7_500_000),
        "31-60": D(4_000_000),
        "61-90": D(2_500_000),
        ">90": D(1_000_000),
    }
    rates = {
        "not_due": D("0.003"),
        "1-30": D("0.016"),
        "31-60": D("0.036"),
        "61-90": D("0.066"),
        ">90": D("0.106"),
    }
    result = provisions.matrix(balances, rates)
    assert result.total == D(580_000)
    assert [line.loss for line in result.lines] == [D(45_000), D(120_000), D(144_000), D(165_000), D(106_000)]
    assert result.balance == D(30_000_000)


def test_a_negative_bucket_carries_no_loss_and_every_bucket_needs_a_rate() -> None:
    result = provisions.matrix(
        {"not_due": D(-500), "1-30": D(1000)}, {"not_due": D("0.01"), "1-30": D("0.1")}
    )
    assert [line.loss for line in result.lines] == [D(0), D(100)]
    with pytest.raises(InvalidInput):
        provisions.matrix({"31-60": D(1)}, {"not_due": D("0.01")})


BUCKETS = ["not_due", "1-30", "31-60", ">60"]
# Worked by hand. Month-ends M0, M1, M2 (not due / 1–30 / 31–60 / >60):
#   M0: 1000 / 400 / 100 / 50; by M1, 200 of the 1000 arrived in 1–30, 80 of the 400 in 31–60, 40 of
#   the 100 in >60 (what entered it), and 10 was written off.
#   M1: 1200 / 200 / 80 / 40; by M2, 240, 50 and 20 rolled on, and 8 was written off.
HAND = [
    provisions.Month(
        {"not_due": D(1000), "1-30": D(400), "31-60": D(100), ">60": D(50)},
        {"not_due": D(200), "1-30": D(80), "31-60": D(40)},
        entered=D(40),
        written_off=D(10),
    ),
    provisions.Month(
        {"not_due": D(1200), "1-30": D(200), "31-60": D(80), ">60": D(40)},
        {"not_due": D(240), "1-30": D(50), "31-60": D(20)},
        entered=D(20),
        written_off=D(8),
    ),
]


def test_roll_rates_weigh_each_month_by_its_balance() -> None:
    # Amount-weighted: not due 440/2200 = 0.2; 1–30 130/600; 31–60 60/180; >60 (written off of what
    # entered it) 18/60 = 0.3. Loss rates from the oldest: 0.3; 0.1; 0.0216…; 0.00433….
    result = provisions.roll_rates(HAND, BUCKETS)
    assert result.weighting == "amount"
    assert [r.average for r in result.roll_rates] == [D("0.2"), D(130) / 600, D(60) / 180, D("0.3")]
    assert result.rates[">60"] == D("0.3")
    assert result.rates["31-60"] == D(60) / 180 * D("0.3")
    assert [(f.start, f.rolled) for f in result.roll_rates[3].months] == [(D(40), D(10)), (D(20), D(8))]
    # A forward-looking factor of 1.5 raises every rate by half, never past 100 %.
    assert provisions.roll_rates(HAND, BUCKETS, factor=D("1.5")).rates[">60"] == D("0.45")
    assert provisions.roll_rates(HAND, BUCKETS, factor=D(4)).rates[">60"] == 1


def test_the_plain_mean_of_the_monthly_ratios_is_an_option() -> None:
    # Not due (0.2 + 0.2) / 2; 1–30 (0.2 + 0.25) / 2; 31–60 (0.4 + 0.25) / 2; >60 stays what was
    # written off of all that entered it, 18 / 60: a month's entries are written off in later months.
    result = provisions.roll_rates(HAND, BUCKETS, weighting="mean")
    assert [r.average for r in result.roll_rates] == [D("0.2"), D("0.225"), D("0.325"), D("0.3")]


def test_a_month_of_1000_weighs_a_hundredth_of_a_month_of_100000() -> None:
    small = provisions.Month({"not_due": D(1000)}, {"not_due": D(500)})  # 50 % rolled
    large = provisions.Month({"not_due": D(100_000)}, {"not_due": D(1000)})  # 1 % rolled
    weighted = provisions.roll_rates([small, large], BUCKETS).roll_rates[0].average
    assert weighted == D(1500) / D(101_000)  # 1.49 %, where the plain mean says 25.5 %
    assert provisions.roll_rates([small, large], BUCKETS, weighting="mean").roll_rates[0].average == D(
        "0.255"
    )


def test_the_last_bucket_loses_what_enters_it_not_a_months_write_offs_over_its_balance() -> None:
    # Steady portfolio, worked by hand: >90 holds 10,000 of old debts that stay there for months
    # before their write-off; every month 1,000 of 61–90's 2,000 rolls into it, and 1,000 is
    # written off. All that enters >90 is lost: its loss rate is 100 % (a month's write-offs over
    # its balance would say 10 %), and 61–90's is the half of it that rolls on.
    buckets = ["not_due", "1-30", "31-60", "61-90", ">90"]
    steady = provisions.Month(
        {"61-90": D(2000), ">90": D(10_000)}, {"61-90": D(1000)}, entered=D(1000), written_off=D(1000)
    )
    result = provisions.roll_rates([steady] * 6, buckets)
    assert (result.rates[">90"], result.rates["61-90"]) == (D(1), D("0.5"))


def test_roll_rates_need_history_and_an_empty_bucket_loses_nothing() -> None:
    with pytest.raises(InvalidInput):
        provisions.roll_rates([], BUCKETS)
    empty = [provisions.Month({"not_due": D(100)}, {"not_due": D(0)})]
    result = provisions.roll_rates(empty, BUCKETS)
    assert result.roll_rates[1].average is None and result.rates["not_due"] == 0


def test_the_movement_splits_into_what_the_balances_and_what_the_rates_did() -> None:
    # Hand-worked: 1–30 held 10,000 at 1 % (100) and now 12,000 at 1.5 % (180); 31–60 held 5,000 at
    # 10 % (500) and now 4,000 at 12 % (480). Movement 660 − 600 = 60. The balances: +2,000 at 1 %
    # and −1,000 at 10 %, −80; the rates: 12,000 × 0.5 % + 4,000 × 2 % = 140; −80 + 140 = 60.
    then = {"1-30": (D(10_000), D(100)), "31-60": (D(5000), D(500))}
    now = {"1-30": D(12_000), "31-60": D(4000)}
    part = provisions.by_balances(then, now)
    assert part == D(-80)
    assert (D(180) + D(480)) - (D(100) + D(500)) - part == D(140)
    # A bucket that held nothing before has no rate then: all its provision is the rates' doing.
    assert provisions.by_balances({"61-90": (D(0), D(0))}, {"61-90": D(3000)}) == 0


def test_a_credit_balance_lowers_no_one_elses_provision() -> None:
    # At 0.3 %, A owing 10,000 and B at −4,000 in the same bucket: 30.00, not 18.00.
    owed = {("A", "EUR", "not_due"): D(10_000), ("B", "EUR", "not_due"): D(-4000)}
    balances = {b: amount for (_, b), amount in provisions.floored(owed).items()}
    assert provisions.matrix(balances, {"not_due": D("0.003")}).total == D(30)


def test_a_segment_with_too_little_history_has_the_portfolios_rates() -> None:
    busy = [provisions.Month({"not_due": D(10_000)}, {"not_due": D(1000)})] * 6
    new = [provisions.Month({}), *[provisions.Month({"not_due": D(100)}, {"not_due": D(50)})] * 5]
    result = provisions.segmented({"DE": busy, "FR": new}, BUCKETS, provisions.Minimum(months=6))
    assert result.fallbacks == {"FR": "5 month-ends with a balance, fewer than 6"}
    assert result.rates["DE"].roll_rates[0].average == D("0.1")
    assert result.rates["FR"] is result.portfolio
    assert result.portfolio.roll_rates[0].average == D(6250) / D(60_500)
    low = provisions.segmented({"DE": busy}, BUCKETS, provisions.Minimum(months=1, balance=D(20_000)))
    assert low.fallbacks == {"DE": "an average month-end balance of 10000.00, below 20000"}


def test_specific_provisions() -> None:
    assert provisions.Specific("C-1", rate=D("0.5")).loss(D(1000)) == D(500)
    assert provisions.Specific("C-1", amount=D(2000)).loss(D(1000)) == D(1000)  # never above what is owed
    assert provisions.Specific("C-1", amount=D(200)).loss(D(-50)) == 0  # a customer only in credit
    with pytest.raises(InvalidInput):
        provisions.Specific("C-1", rate=D("0.5"), amount=D(1))
    with pytest.raises(InvalidInput):
        provisions.Specific("C-1", rate=D("1.5"))


def test_abc_classes() -> None:
    # Pareto by credit sales: 1,000 in all; X 500 (before it 0 %), Y 300 (50 %), Z 100 (80 %: B),
    # W 60 (90 %: B), V 40 (96 %: C); U with only credit notes (−20) is C.
    sales = {"X": D(500), "Y": D(300), "Z": D(100), "W": D(60), "V": D(40), "U": D(-20)}
    ranked = abc.classify(sales)
    assert [(r.customer_code, r.abc_class) for r in ranked] == [
        ("X", "A"), ("Y", "A"), ("Z", "B"), ("W", "B"), ("V", "C"), ("U", "C"),
    ]  # fmt: skip
    assert ranked[1].cumulative == D("0.8")
    assert [r.abc_class for r in abc.classify({"X": D(0)})] == ["C"]  # no sales at all
    with pytest.raises(InvalidInput):
        abc.classify(sales, a=D("0.9"), b=D("0.8"))


def test_insured_exposure_and_expected_loss() -> None:
    # Exposure 150,000, cover 100,000 at 90 % indemnity: the insurer pays 90,000; 60,000 uninsured,
    # 50,000 above the cover.
    covered = insurance.insured(D(150_000), D(100_000), D("0.9"))
    assert (covered.insured, covered.uninsured, covered.over_cover) == (D(90_000), D(60_000), D(50_000))
    within = insurance.insured(D(40_000), D(100_000), D("0.9"))
    assert (within.insured, within.uninsured, within.over_cover) == (D(36_000), D(4_000), D(0))
    assert insurance.insured(D(-10), D(100), D("0.9")).uninsured == 0
    # Expected loss: 60,000 uninsured × 4 % probability of default × 45 % loss given default = 1,080.
    assert insurance.expected_loss(D(60_000), D("0.04"), D("0.45")) == D(1080)


def test_roll_rates_of_a_published_cohort_and_their_matrix() -> None:
    # IFRScommunity.com, "IFRS 9 example: lifetime ECL for trade receivables using a provision
    # matrix": of January's 100,000 of sales, 50,000 were still open when due, 23,000 a month later,
    # 8,000 after two, 2,000 after three, never paid (written off a month later). Loss rates 2.0 %,
    # 4.0 %, 8.7 %, 25 %, 100 %; on 300,000 / 140,000 / 60,000 / 23,000 / 5,000 the allowance is 27,567.
    buckets = ["not_due", "1-30", "31-60", "61-90", ">90"]
    months = [
        provisions.Month({"not_due": D(100_000)}, {"not_due": D(50_000)}),
        provisions.Month({"1-30": D(50_000)}, {"1-30": D(23_000)}),
        provisions.Month({"31-60": D(23_000)}, {"31-60": D(8_000)}),
        provisions.Month({"61-90": D(8_000)}, {"61-90": D(2_000)}, entered=D(2_000)),
        provisions.Month({">90": D(2_000)}, written_off=D(2_000)),
    ]
    result = provisions.roll_rates(months, buckets)
    shown = {b: r.quantize(D("0.001")) for b, r in result.rates.items()}
    assert shown == {
        "not_due": D("0.020"),
        "1-30": D("0.040"),
        "31-60": D("0.087"),
        "61-90": D("0.250"),
        ">90": D("1.000"),
    }
    balances = dict(zip(buckets, [D(300_000), D(140_000), D(60_000), D(23_000), D(5_000)], strict=True))
    assert provisions.matrix(balances, result.rates).total.quantize(D(1)) == D(27_567)


@st.composite
def histories(draw: st.DrawFn) -> dict[str, list[provisions.Month]]:
    months = draw(st.integers(1, 8))
    segments = draw(
        st.lists(st.sampled_from(["DE", "FR", "IT", "(none)"]), min_size=1, max_size=4, unique=True)
    )
    amounts = st.integers(0, 50_000).map(D)
    out: dict[str, list[provisions.Month]] = {}
    for name in segments:
        history = []
        for _ in range(months):
            held = {b: draw(amounts) for b in BUCKETS}
            rolled = {b: D(draw(st.integers(0, int(held[b])))) for b in BUCKETS[:-1]}
            history.append(provisions.Month(held, rolled, rolled[BUCKETS[-2]], draw(amounts)))
        out[name] = history
    return out


def plain(history: list[provisions.Month], weighting: str) -> dict[str, D]:
    """Loss rates recomputed as a person would: Σ rolled ÷ Σ held per bucket (the mean of the
    monthly ratios when asked), the last bucket Σ written off ÷ Σ entered, then multiplied through."""
    roll: dict[str, D] = {}
    for b in BUCKETS[:-1]:
        pairs = [(m.rolled[b], m.held[b]) for m in history if m.held[b] > 0]
        if not pairs:
            roll[b] = D(0)
        elif weighting == "mean":
            roll[b] = sum((r / h for r, h in pairs), D(0)) / len(pairs)
        else:
            roll[b] = sum((r for r, _ in pairs), D(0)) / sum((h for _, h in pairs), D(0))
    entered = sum((m.entered for m in history), D(0))
    roll[BUCKETS[-1]] = min(sum((m.written_off for m in history), D(0)) / entered, D(1)) if entered else D(0)
    rates, onward = {}, D(1)
    for b in reversed(BUCKETS):
        onward *= roll[b]
        rates[b] = onward
    return rates


@settings(max_examples=200, deadline=None)
@given(found=histories(), weighting=st.sampled_from(["amount", "mean"]), needed=st.integers(1, 8))
def test_segmented_roll_rates_equal_a_plain_recomputation_per_segment(
    found: dict[str, list[provisions.Month]], weighting: provisions.Weighting, needed: int
) -> None:
    result = provisions.segmented(found, BUCKETS, provisions.Minimum(months=needed), weighting=weighting)
    whole = [provisions.Month(*parts) for parts in _summed(found)]
    for name, history in found.items():
        with_balance = sum(1 for m in history if sum(m.held.values()) > 0)
        expected = plain(history if with_balance >= needed else whole, weighting)
        assert result.rates[name].rates == expected, name
        assert (name in result.fallbacks) == (with_balance < needed)


def _summed(found: dict[str, list[provisions.Month]]) -> list[tuple[dict[str, D], dict[str, D], D, D]]:
    months = len(next(iter(found.values())))
    return [
        (
            {b: sum((h[i].held[b] for h in found.values()), D(0)) for b in BUCKETS},
            {b: sum((h[i].rolled[b] for h in found.values()), D(0)) for b in BUCKETS[:-1]},
            sum((h[i].entered for h in found.values()), D(0)),
            sum((h[i].written_off for h in found.values()), D(0)),
        )
        for i in range(months)
    ]
