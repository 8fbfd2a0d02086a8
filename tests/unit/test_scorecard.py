"""The scorecard: the default configuration, a worked example (the README's), validation with
pointers, reasons, and recommendations."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from shared import scorecards
from shared.domain import behaviour, scorecard
from shared.domain.financials import Statement
from shared.domain.scorecard import InvalidScorecard, Subject

D = Decimal
AS_OF = date(2026, 11, 30)
STATEMENT = Statement(
    period_end=date(2025, 12, 31),
    currency="EUR",
    current_assets=D(500_000),
    inventory=D(200_000),
    cash=D(50_000),
    total_assets=D(1_000_000),
    current_liabilities=D(250_000),
    total_liabilities=D(600_000),
    equity=D(400_000),
    retained_earnings=D(150_000),
    revenue=D(2_000_000),
    ebit=D(120_000),
    interest_expense=D(30_000),
    net_income=D(60_000),
    operating_cash_flow=D(100_000),
)


def ten_invoices_paid_five_days_late() -> behaviour.Behaviour:
    invoices = []
    for month in range(1, 11):
        issued = date(2026, month, 1)
        due = issued + timedelta(days=30)
        invoices.append(behaviour.Invoice(D(10_000), D(0), issued, due, due + timedelta(days=5)))
    return behaviour.assess(invoices, [], AS_OF)


def same_currency(amount: Decimal, currency: str) -> Decimal | None:
    return amount if currency == "EUR" else None


SUBJECT = Subject(
    customer_code="C-1001",
    currency="EUR",
    behaviour=ten_invoices_paid_five_days_late(),
    statement=STATEMENT,
    industry="wholesale",
    country="DE",
    customer_since=date(2019, 1, 1),
)


def test_the_worked_example_of_the_readme() -> None:
    a = scorecard.assess(scorecards.default(), SUBJECT, AS_OF, same_currency)
    points = {f.factor: (f.bin, f.points) for f in a.factors}
    assert a.behaviour.payment_index == 77  # 5 days late: 80 − 10·5/15 = 76.67
    assert points["payment_index"] == (">= 70", D(7))
    assert points["altman_zone"] == ("= safe", D(10))  # Z'' (wholesale is not manufacturing) 3.64
    assert points["debt_to_asset"] == (">= 0.5", D(6))
    assert points["country_risk"] == ("< 1", D(10))  # Germany: OECD class 0
    # Weighted points 109.5 of 130: 84.2, grade A.
    assert (a.score, a.grade) == (D("84.2"), "A")
    assert a.reasons == ("payment_index", "debt_to_asset", "net_margin")
    assert a.altman is not None and (a.altman.model.value, a.altman.score) == ("Z''", D("3.64"))
    # A: the lower of 20% of equity (80,000) and 15% of revenue (300,000), under the 2,000,000 cap.
    assert (a.recommendation.limit, a.recommendation.terms) == (D(80_000), "NET60")
    assert a.missing == ()
    shown = scorecard.explain(a, str)
    assert shown["reasons"][0] == {"code": "payment_index", "points_lost": "9"}
    assert shown["factors"][0] == {
        "factor": "payment_index",
        "value": 77,
        "bin": ">= 70",
        "points": "7",
        "max_points": "10",
        "weight": "3",
    }


def test_a_customer_without_statements_is_scored_on_what_exists() -> None:
    a = scorecard.assess(scorecards.default(), replace(SUBJECT, statement=None), AS_OF, same_currency)
    assert a.missing[0] == "financial statements"
    assert "altman_zone: Altman zone (safe, grey, distress) unknown" in a.missing
    assert {f.factor: f.bin for f in a.factors}["current_ratio"] == "missing"
    # The limit rests on payment experience alone: the 20,000 carried with nothing overdue.
    assert a.recommendation.limit == D(20_000)
    assert a.recommendation.basis == "payment experience only (no usable statement)"


def test_a_late_payer_loses_grade_and_limit() -> None:
    invoices = [
        behaviour.Invoice(
            D(10_000), D(0), date(2026, m, 1), date(2026, m, 20), date(2026, m, 20) + timedelta(days=75)
        )
        for m in range(1, 8)
    ]
    invoices.append(behaviour.Invoice(D(30_000), D(30_000), date(2026, 8, 1), date(2026, 8, 31)))
    late = replace(SUBJECT, behaviour=behaviour.assess(invoices, [date(2026, 10, 1)], AS_OF))
    a = scorecard.assess(scorecards.default(), late, AS_OF, same_currency)
    assert a.behaviour.payment_index == 35 and a.behaviour.max_days_past_due == 91
    assert a.grade in {"C", "D"} and a.score < D(65)
    assert a.reasons[:2] == ("payment_index", "days_beyond_terms")


def test_statements_in_another_currency_need_a_rate() -> None:
    usd = replace(SUBJECT, statement=replace(STATEMENT, currency="USD"))
    a = scorecard.assess(scorecards.default(), usd, AS_OF, same_currency)
    assert "no exchange rate USD/EUR: equity not used" in a.missing
    rated = scorecard.assess(
        scorecards.default(), usd, AS_OF, lambda x, cur: x * D("0.9") if cur == "USD" else x
    )
    assert rated.recommendation.limit == D(72_000)


def test_the_grade_cap_is_the_last_word_even_over_the_payment_record() -> None:
    # Carried 100,000 without going overdue, but grade A's cap is set at 50,000: the cap wins.
    card = scorecards.default()
    grades = tuple(replace(g, limit=replace(g.limit, cap=D(50_000))) for g in card.grades)
    record = replace(SUBJECT.behaviour, high_credit=D(100_000))
    a = scorecard.assess(
        replace(card, grades=grades), replace(SUBJECT, behaviour=record), AS_OF, same_currency
    )
    assert a.recommendation.limit == D(50_000)
    assert a.recommendation.basis == "the highest exposure carried without going overdue, capped"


def document(**changes: Any) -> dict[str, Any]:
    doc = scorecards.default_document()
    doc.update(changes)
    return doc


def test_the_default_configuration_is_valid_and_versioned() -> None:
    card = scorecards.default()
    assert card.version == "default"
    assert [g.grade for g in card.grades] == ["A", "B", "C", "D", "E"]
    assert [g.terms for g in card.grades] == ["NET60", "NET45", "NET30", "NET15", "PREPAY"]
    assert [g.review_months for g in card.grades] == [12, 9, 6, 4, 3]
    assert scorecards.parse(document(), "v2").version == "v2"


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"currency": "euro"}, "#/currency"),
        ({"factors": [{"name": "shoe_size", "bins": [{"at_least": None, "points": 1}]}]}, "#/factors/0/name"),
        (
            {
                "factors": [
                    {
                        "name": "current_ratio",
                        "bins": [{"at_least": 1, "points": 1}, {"at_least": 2, "points": 2}],
                    }
                ]
            },
            "#/factors/0/bins/1/at_least",
        ),
        (
            {"factors": [{"name": "altman_zone", "bins": [{"equals": "rosy", "points": 1}]}]},
            "#/factors/0/bins/0/equals",
        ),
        (
            {
                "grades": [
                    {
                        "grade": "A",
                        "min_score": 10,
                        "terms": "NET30",
                        "review_months": 12,
                        "limit": {"equity_share": 0, "revenue_share": 0, "cap": 0},
                    }
                ]
            },
            "#/grades/0/min_score",
        ),
        (
            {
                "grades": [
                    {
                        "grade": "A",
                        "min_score": 0,
                        "terms": "NET 30",
                        "review_months": 12,
                        "limit": {"equity_share": 0, "revenue_share": 0, "cap": 0},
                    }
                ]
            },
            "#/grades/0/terms",
        ),
        ({"country_risk": {"XX": 9}}, "#/country_risk/XX"),
        ({"unknown": 1}, "#/unknown"),
        # A factor without bins, alone: refused, not a crash (found by fuzzing the API).
        (
            {"factors": [{"name": "payment_index", "weight": "1", "missing_points": "0", "bins": []}]},
            "#/factors/0/bins",
        ),
    ],
)
def test_an_invalid_configuration_is_refused_with_a_pointer(changes: dict[str, Any], pointer: str) -> None:
    with pytest.raises(InvalidScorecard) as refused:
        scorecards.parse(document(**changes), "bad")
    assert pointer in [e["pointer"] for e in refused.value.extra["errors"]]
