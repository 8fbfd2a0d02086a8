"""Ratios and the Altman models against the product brief's coefficients and cut-offs and published
worked examples."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from shared.domain import altman
from shared.domain.altman import Model, Zone
from shared.domain.financials import InconsistentStatement, Statement, check, ratios, with_changes

D = Decimal


def from_ratios(x1: str, x2: str, x3: str, x4: str, x5: str = "0") -> Statement:
    """A statement whose Altman variables are the given ratios (total assets = liabilities = 1,000)."""
    thousand = D(1000)
    return Statement(
        period_end=date(2025, 12, 31),
        currency="EUR",
        current_assets=D(x1) * thousand,
        current_liabilities=D(0),
        total_assets=thousand,
        total_liabilities=thousand,
        retained_earnings=D(x2) * thousand,
        ebit=D(x3) * thousand,
        equity=D(x4) * thousand,
        market_value_equity=D(x4) * thousand,
        revenue=D(x5) * thousand,
    )


@pytest.mark.parametrize(
    ("x", "score", "zone"),
    [
        # Saunders & Cornett, Financial Institutions Management, Altman Z problem (X1 .2, X2 0,
        # X3 .2, X4 .1, X5 2.0): Z = 2.96, grey; worked answer published at
        # assignmentexpert.com/homework-answers/economics/finance/question-122120.
        (("0.2", "0", "0.2", "0.1", "2.0"), "2.96", Zone.GREY),
        # Exercise "Calculate the Z-score of the firm" (0.34, 0.15, 0.00, 0.80, 1.6): "Z score is 2.70",
        # wizedu.com/questions/366502.
        (("0.34", "0.15", "0.00", "0.80", "1.6"), "2.70", Zone.GREY),
    ],
)
def test_z_reproduces_published_examples(x: tuple[str, ...], score: str, zone: Zone) -> None:
    result = altman.score(Model.Z, from_ratios(*x))
    assert (result.score, result.zone) == (D(score), zone)


# Worked example (numerade.com): working capital 5,100, retained earnings 16,900, EBIT 8,800, total
# assets 72,000, equity 27,000, total liabilities 66,000, sales equal to total assets.
NUMERADE = Statement(
    period_end=date(2025, 12, 31),
    currency="USD",
    current_assets=D(5100),
    current_liabilities=D(0),
    total_assets=D(72000),
    total_liabilities=D(66000),
    retained_earnings=D(16900),
    ebit=D(8800),
    equity=D(27000),
    market_value_equity=D(27000),
    revenue=D(72000),
)


def test_z_from_statement_amounts_as_published() -> None:
    # Worked example (numerade.com): working capital 5,100, retained earnings 16,900, EBIT 8,800,
    # total assets 72,000, equity 27,000, total liabilities 66,000, sales equal to total assets:
    # Z = 0.085 + 0.329 + 0.403 + 0.245 + 1.0 = 2.062.
    s = replace(NUMERADE, equity=None)
    result = altman.score(Model.Z, s)
    assert result.score == D("2.06")
    assert result.x == (D("0.0708"), D("0.2347"), D("0.1222"), D("0.4091"), D("1.0000"))


def test_each_model_uses_the_brief_coefficients() -> None:
    # One variable at a time set to 1 gives that variable's coefficient.
    unit = {"x1": ("1", "0", "0", "0", "0"), "x2": ("0", "1", "0", "0", "0"), "x3": ("0", "0", "1", "0", "0")}
    unit |= {"x4": ("0", "0", "0", "1", "0"), "x5": ("0", "0", "0", "0", "1")}
    expected = {
        Model.Z: ["1.20", "1.40", "3.30", "0.60", "1.00"],
        Model.Z_PRIME: ["0.72", "0.85", "3.11", "0.42", "1.00"],
        Model.Z_DOUBLE_PRIME: ["6.56", "3.26", "6.72", "1.05", "0.00"],
    }
    for model, scores in expected.items():
        got = [str(altman.score(model, from_ratios(*unit[k])).score) for k in ("x1", "x2", "x3", "x4", "x5")]
        assert got == scores, model
    # Z'' has four variables: sales never count.
    assert altman.score(Model.Z_DOUBLE_PRIME, from_ratios("0", "0", "0", "0", "9")).x == (D(0),) * 4


@pytest.mark.parametrize(
    ("model", "distress", "safe"),
    [(Model.Z, "1.81", "2.99"), (Model.Z_PRIME, "1.23", "2.90"), (Model.Z_DOUBLE_PRIME, "1.1", "2.6")],
)
def test_zone_cut_offs_of_the_brief(model: Model, distress: str, safe: str) -> None:
    low, high = D(distress), D(safe)
    assert altman.zone(model, low - D("0.01")) is Zone.DISTRESS
    assert altman.zone(model, low) is Zone.GREY
    assert altman.zone(model, high) is Zone.GREY
    assert altman.zone(model, high + D("0.01")) is Zone.SAFE


def test_z_double_prime_worked_by_hand() -> None:
    # X1 = 0.25, X2 = 0.10, X3 = 0.05, X4 = 0.50: 6.56·0.25 + 3.26·0.10 + 6.72·0.05 + 1.05·0.50
    # = 1.64 + 0.326 + 0.336 + 0.525 = 2.827 → 2.83, safe (> 2.6). On the +3.25 scale it would be
    # 6.08: a different scale, never compared with these cut-offs.
    result = altman.score(Model.Z_DOUBLE_PRIME, from_ratios("0.25", "0.10", "0.05", "0.50"))
    assert (result.score, result.zone) == (D("2.83"), Zone.SAFE)


def test_z_prime_worked_by_hand() -> None:
    # X1 = 0.1, X2 = 0.1, X3 = 0.05, X4 = 0.4, X5 = 1.2: 0.0717 + 0.0847 + 0.15535 + 0.168 + 1.1976
    # = 1.67735 → 1.68, grey (1.23 to 2.90).
    result = altman.score(Model.Z_PRIME, from_ratios("0.1", "0.1", "0.05", "0.4", "1.2"))
    assert (result.score, result.zone) == (D("1.68"), Zone.GREY)


def test_the_model_follows_the_customer() -> None:
    s = from_ratios("0.2", "0", "0.2", "0.1", "2.0")
    assert altman.assess(s, listed=True, manufacturing=True).model is Model.Z
    assert altman.assess(s, listed=False, manufacturing=True).model is Model.Z_PRIME
    assert altman.assess(s, listed=True, manufacturing=False).model is Model.Z_DOUBLE_PRIME
    assert altman.assess(s, listed=False, manufacturing=False, configured=Model.Z).model is Model.Z
    unlisted_value = altman.assess(replace(s, market_value_equity=None), listed=True, manufacturing=True)
    assert unlisted_value.model is Model.Z_PRIME
    assert unlisted_value.reason == "no market value of equity: Z' used"


def test_missing_inputs_are_named_never_guessed() -> None:
    result = altman.score(
        Model.Z, replace(from_ratios("0.2", "0", "0.2", "0.1", "2.0"), ebit=None, revenue=None)
    )
    assert result.score is None
    assert result.reason == "Z: ebit, revenue missing"
    zero = altman.score(
        Model.Z_PRIME, replace(from_ratios("0.2", "0", "0.2", "0.1", "2.0"), total_liabilities=D(0))
    )
    assert zero.reason == "Z': total_liabilities is zero"


def test_every_flow_of_a_half_year_is_annualised_alike() -> None:
    # The numerade.com worked example above (Z = 2.06) as a six-month statement: the same year at
    # half the EBIT and half the sales scores the same, on every model, and says it was annualised.
    year = NUMERADE
    half = replace(year, period_months=6, ebit=D(4400), revenue=D(36000))
    for model in Model:
        annual, halved = altman.score(model, year), altman.score(model, half)
        assert (halved.x, halved.score, halved.zone) == (annual.x, annual.score, annual.zone), model
        assert (annual.annualised, halved.annualised) == (
            None,
            "flows of a 6-month statement annualised (× 2)",
        )
    assert altman.score(Model.Z, half).score == D("2.06")


def test_ratios_of_a_flow_to_the_balance_sheet_read_as_a_year() -> None:
    # A quarter's operating cash flow of 25 against current liabilities of 250: 0.4 a year, not 0.1.
    quarter = replace(
        STATEMENT, period_months=3, operating_cash_flow=D(25), ebit=D(30), interest_expense=D(7.5)
    )
    found = ratios(quarter)
    assert found["operating_cash_flow"].value == D("0.4000")
    assert found["interest_cover"].value == ratios(STATEMENT)["interest_cover"].value  # flow over flow


STATEMENT = Statement(
    period_end=date(2025, 12, 31),
    currency="EUR",
    current_assets=D(500),
    inventory=D(200),
    cash=D(50),
    total_assets=D(1000),
    current_liabilities=D(250),
    total_liabilities=D(600),
    equity=D(400),
    retained_earnings=D(150),
    revenue=D(2000),
    ebit=D(120),
    interest_expense=D(30),
    net_income=D(60),
    operating_cash_flow=D(100),
)


def test_ratios_of_a_statement() -> None:
    got = {name: r.value for name, r in ratios(STATEMENT).items()}
    assert got == {
        "current": D("2.0000"),
        "quick": D("1.2000"),
        "debt_to_asset": D("0.6000"),
        "net_margin": D("0.0300"),
        "interest_cover": D("4.0000"),
        "operating_cash_flow": D("0.4000"),
    }


def test_ratio_edge_cases_say_why() -> None:
    odd = replace(STATEMENT, current_liabilities=D(0), inventory=None, interest_expense=D(0), revenue=None)
    r = ratios(odd)
    assert (r["current"].value, r["current"].reason) == (None, "current: current_liabilities is zero")
    assert r["quick"].reason == "quick: inventory missing"
    assert r["interest_cover"].reason == "interest cover: interest_expense is zero"
    assert r["net_margin"].reason == "net margin: revenue missing"
    assert r["debt_to_asset"].value == D("0.6")


def test_changes_against_the_previous_period() -> None:
    previous = replace(STATEMENT, current_assets=D(400), net_income=None)
    changed = with_changes(ratios(STATEMENT), ratios(previous))
    assert changed["current"].change == D("0.4000")
    assert changed["net_margin"].change is None
    assert with_changes(ratios(STATEMENT), None)["current"].change is None


def test_an_inconsistent_statement_is_refused_with_pointers() -> None:
    check(STATEMENT)
    check(replace(STATEMENT, total_assets=D(1009)))  # within 1%
    with pytest.raises(InconsistentStatement) as refused:
        check(replace(STATEMENT, total_assets=D(-5), inventory=D(900)))
    pointers = [e["pointer"] for e in refused.value.extra["errors"]]
    assert pointers == ["#/total_assets", "#/current_assets", "#/inventory", "#/total_assets"]
    with pytest.raises(InconsistentStatement, match="by more than 1%"):
        check(replace(STATEMENT, total_assets=D(1020)))
