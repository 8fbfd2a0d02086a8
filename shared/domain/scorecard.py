"""The scorecard: points per factor, a score, a grade, and what the grade recommends.

Each factor reads one input (an Altman zone, a ratio, a payment figure, the relationship's age,
industry or country risk), finds the first of its bins that holds the value and scores its points;
an input that is unknown scores the factor's `missing_points`. The score is the weighted points as
a share of the weighted maximum, 0–100 to one decimal; the grade is the first (best) whose minimum
score it reaches. Every factor's input, bin and points are kept, and the factors that cost the most
points are the assessment's reason codes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from shared.domain import altman, behaviour, financials, fx
from shared.domain.behaviour import Invoice
from shared.domain.errors import InvalidInput
from shared.domain.terms import parse_terms

ZERO = Decimal(0)
SCORE_PLACES = Decimal("0.1")
LIMIT_STEP = Decimal(100)
REASONS = 3

# The inputs a factor may read, and what each one is.
FACTOR_INPUTS: dict[str, str] = {
    "altman_zone": "Altman zone (safe, grey, distress)",
    "current_ratio": "current assets / current liabilities",
    "quick_ratio": "(current assets − inventory) / current liabilities",
    "debt_to_asset": "total liabilities / total assets",
    "net_margin": "net income / revenue",
    "interest_cover": "EBIT / interest expense",
    "operating_cash_flow_ratio": "operating cash flow / current liabilities",
    "payment_index": "payment index, 0–100 (80 = pays on time)",
    "days_beyond_terms": "amount-weighted days past due of open overdue invoices",
    "max_days_past_due": "days past due of the oldest open invoice",
    "bounced_payments": "payments reversed in the window",
    "relationship_years": "years since the customer relationship began",
    "industry_risk": "industry risk class, 1 (low) to 5 (high)",
    "country_risk": "OECD country risk class, 0 (none) to 7 (high)",
}
RATIO_INPUTS = {
    "current_ratio": "current",
    "quick_ratio": "quick",
    "debt_to_asset": "debt_to_asset",
    "net_margin": "net_margin",
    "interest_cover": "interest_cover",
    "operating_cash_flow_ratio": "operating_cash_flow",
}


class InvalidScorecard(InvalidInput):
    """`extra["errors"]` lists each problem with a JSON pointer into the configuration."""

    code = "invalid-scorecard"
    title = "Invalid scorecard configuration"


@dataclass(frozen=True)
class Bin:
    """Holds a value at or above `at_least` (no bound when None), or equal to `equals`."""

    points: Decimal
    at_least: Decimal | None = None
    equals: str | None = None

    def holds(self, value: Decimal | str) -> bool:
        if self.equals is not None:
            return value == self.equals
        return self.at_least is None or (not isinstance(value, str) and value >= self.at_least)


@dataclass(frozen=True)
class Factor:
    name: str
    weight: Decimal
    bins: tuple[Bin, ...]
    missing_points: Decimal

    @property
    def max_points(self) -> Decimal:
        return max(b.points for b in self.bins)

    def describe(self, index: int) -> str:
        """The bin as a person reads it: `= safe`, `>= 1.5`, or `< 0.8` for the last one."""
        chosen = self.bins[index]
        if chosen.equals is not None:
            return f"= {chosen.equals}"
        if chosen.at_least is not None:
            return f">= {number(chosen.at_least)}"
        above = self.bins[index - 1].at_least if index else None
        return "any" if above is None else f"< {number(above)}"


@dataclass(frozen=True)
class LimitRule:
    """Recommended limit: the lower of `equity_share` of book equity and `revenue_share` of annual
    revenue, capped at `cap` (in the scorecard's currency), and not below the highest exposure the
    customer carried without going overdue when `experience_floor`."""

    equity_share: Decimal
    revenue_share: Decimal
    cap: Decimal
    experience_floor: bool = True


@dataclass(frozen=True)
class Grade:
    grade: str
    min_score: Decimal
    terms: str
    review_months: int
    limit: LimitRule
    probability_of_default: Decimal = ZERO


@dataclass(frozen=True)
class Scorecard:
    version: str
    currency: str
    factors: tuple[Factor, ...]
    grades: tuple[Grade, ...]
    industry_risk: Mapping[str, int] = field(default_factory=dict)
    default_industry_risk: int = 3
    country_risk: Mapping[str, int] = field(default_factory=dict)
    default_country_risk: int = 4
    manufacturing_industries: frozenset[str] = frozenset()
    altman_model: altman.Model | None = None
    behaviour: behaviour.Policy = field(default_factory=behaviour.Policy)

    def grade_for(self, score: Decimal) -> Grade:
        return next(g for g in self.grades if score >= g.min_score)


def validate(card: Scorecard) -> Scorecard:
    """Rules a well-formed configuration can still break; raises InvalidScorecard listing them all."""
    errors: list[tuple[str, str]] = []
    if not card.factors:
        errors.append(("/factors", "at least one factor"))
    names = [f.name for f in card.factors]
    for i, factor in enumerate(card.factors):
        at = f"/factors/{i}"
        if factor.name not in FACTOR_INPUTS:
            errors.append(
                (f"{at}/name", f"unknown factor {factor.name!r}; known: {', '.join(FACTOR_INPUTS)}")
            )
        if names.count(factor.name) > 1:
            errors.append((f"{at}/name", f"factor {factor.name!r} appears twice"))
        if factor.weight < 0:
            errors.append((f"{at}/weight", "a weight is 0 or more"))
        if not factor.bins:
            errors.append((f"{at}/bins", "at least one bin"))
            continue
        categorical = factor.name == "altman_zone"
        bounds = [b.at_least for b in factor.bins]
        if categorical:
            zones = {z.value for z in altman.Zone}
            for j, b in enumerate(factor.bins):
                if b.equals not in zones:
                    errors.append((f"{at}/bins/{j}/equals", f"one of {', '.join(sorted(zones))}"))
        elif any(b.equals is not None for b in factor.bins):
            errors.append((f"{at}/bins", "numeric factors bin by at_least, not equals"))
        elif bounds[-1] is not None:
            errors.append(
                (f"{at}/bins/{len(bounds) - 1}/at_least", "the last bin holds every other value: null")
            )
        elif any(b is None for b in bounds[:-1]) or bounds[:-1] != sorted(bounds[:-1], reverse=True):  # type: ignore[type-var]
            errors.append((f"{at}/bins", "bins go from the highest at_least down, each once"))
        if (
            factor.bins
            and not min(b.points for b in factor.bins) <= factor.missing_points <= factor.max_points
        ):
            errors.append((f"{at}/missing_points", "between the factor's lowest and highest points"))
    if card.factors and sum((f.weight * f.max_points for f in card.factors if f.bins), ZERO) <= 0:
        errors.append(("/factors", "the factors must be able to score some points"))
    if not card.grades:
        errors.append(("/grades", "at least one grade"))
    minima = [g.min_score for g in card.grades]
    if minima != sorted(minima, reverse=True) or len(set(minima)) != len(minima):
        errors.append(("/grades", "grades go from the best (highest min_score) down, each minimum once"))
    if card.grades and card.grades[-1].min_score != 0:
        errors.append((f"/grades/{len(card.grades) - 1}/min_score", "the last grade starts at 0"))
    for i, g in enumerate(card.grades):
        try:
            parse_terms(g.terms)
        except InvalidInput as exc:
            errors.append((f"/grades/{i}/terms", exc.detail))
        if g.review_months < 1:
            errors.append((f"/grades/{i}/review_months", "at least 1"))
        rule = g.limit
        for name in ("equity_share", "revenue_share", "cap"):
            if getattr(rule, name) < 0:
                errors.append((f"/grades/{i}/limit/{name}", "0 or more"))
        if not 0 <= g.probability_of_default <= 1:
            errors.append((f"/grades/{i}/probability_of_default", "a probability, 0 to 1"))
    for table, upper in (("industry_risk", 5), ("country_risk", 7)):
        low = 1 if table == "industry_risk" else 0
        values: Mapping[str, int] = getattr(card, table)
        for key, value in values.items():
            if not low <= value <= upper:
                errors.append((f"/{table}/{key}", f"a class from {low} to {upper}"))
    if errors:
        raise InvalidScorecard(
            "; ".join(f"{pointer}: {message}" for pointer, message in errors),
            errors=[{"pointer": f"#{pointer}", "detail": message} for pointer, message in errors],
        )
    return card


@dataclass(frozen=True)
class Subject:
    """What is known of a customer when it is assessed. Amounts of `behaviour` are in `currency`."""

    customer_code: str
    currency: str
    behaviour: behaviour.Behaviour
    statement: financials.Statement | None = None
    previous_statement: financials.Statement | None = None
    industry: str | None = None
    country: str | None = None
    listed: bool = False
    customer_since: date | None = None
    # What the caller could not take into account, said in the assessment.
    notes: tuple[str, ...] = ()
    # The payment experience behind `behaviour`, for what else reads it (early warning).
    invoices: tuple[Invoice, ...] = ()
    bounced: tuple[date, ...] = ()


@dataclass(frozen=True)
class FactorResult:
    factor: str
    value: Decimal | str | int | None
    bin: str
    points: Decimal
    max_points: Decimal
    weight: Decimal

    @property
    def lost(self) -> Decimal:
        return self.weight * (self.max_points - self.points)


@dataclass(frozen=True)
class Recommendation:
    limit: Decimal
    terms: str
    basis: str


@dataclass(frozen=True)
class Assessment:
    customer_code: str
    as_of: date
    version: str
    score: Decimal
    grade: str
    factors: tuple[FactorResult, ...]
    reasons: tuple[str, ...]
    altman: altman.Result | None
    ratios: Mapping[str, financials.Ratio]
    behaviour: behaviour.Behaviour
    recommendation: Recommendation
    missing: tuple[str, ...]
    review_months: int


# Converts an amount from a currency into the customer's credit currency; None without a rate.
Convert = fx.Convert


def _inputs(
    card: Scorecard, subject: Subject, as_of: date
) -> tuple[dict[str, Decimal | str | int | None], altman.Result | None, dict[str, financials.Ratio]]:
    statement = subject.statement
    ratios: dict[str, financials.Ratio] = {}
    z: altman.Result | None = None
    if statement is not None:
        previous = (
            None if subject.previous_statement is None else financials.ratios(subject.previous_statement)
        )
        ratios = financials.with_changes(financials.ratios(statement), previous)
        z = altman.assess(
            statement,
            listed=subject.listed,
            manufacturing=(subject.industry or "") in card.manufacturing_industries,
            configured=card.altman_model,
        )
    b = subject.behaviour
    years = (
        None
        if subject.customer_since is None
        else (Decimal((as_of - subject.customer_since).days) / Decimal("365.25")).quantize(Decimal("0.1"))
    )
    values: dict[str, Decimal | str | int | None] = {
        "altman_zone": None if z is None or z.zone is None else z.zone.value,
        "payment_index": b.payment_index,
        "days_beyond_terms": b.days_beyond_terms,
        "max_days_past_due": b.max_days_past_due,
        "bounced_payments": b.bounced_payments,
        "relationship_years": years,
        "industry_risk": card.industry_risk.get(subject.industry or "", card.default_industry_risk)
        if subject.industry
        else None,
        "country_risk": card.country_risk.get(subject.country or "", card.default_country_risk)
        if subject.country
        else None,
    }
    for name, ratio in RATIO_INPUTS.items():
        values[name] = ratios[ratio].value if ratios else None
    return values, z, ratios


def _score_factor(factor: Factor, value: Decimal | str | int | None) -> FactorResult:
    if value is None:
        return FactorResult(
            factor.name, None, "missing", factor.missing_points, factor.max_points, factor.weight
        )
    held = value if isinstance(value, str) else Decimal(value)
    index = next((i for i, b in enumerate(factor.bins) if b.holds(held)), None)
    if index is None:  # a zone no bin names scores nothing
        return FactorResult(factor.name, value, "no bin", ZERO, factor.max_points, factor.weight)
    points = factor.bins[index].points
    return FactorResult(factor.name, value, factor.describe(index), points, factor.max_points, factor.weight)


def _recommend(
    card: Scorecard, grade: Grade, subject: Subject, convert: Convert
) -> tuple[Recommendation, list[str]]:
    rule, notes = grade.limit, []
    cap = convert(rule.cap, card.currency)
    if cap is None:
        notes.append(f"no exchange rate {card.currency}/{subject.currency}: the cap is not applied")
    candidates: list[Decimal] = []
    s = subject.statement
    if s is not None:
        for amount, share, label in (
            (s.equity, rule.equity_share, "equity"),
            (s.annualised.revenue, rule.revenue_share, "revenue"),
        ):
            if amount is None:
                continue
            converted = convert(amount, s.currency)
            if converted is None:
                notes.append(f"no exchange rate {s.currency}/{subject.currency}: {label} not used")
            else:
                candidates.append(max(converted, ZERO) * share)
    floor = subject.behaviour.high_credit if rule.experience_floor else ZERO
    if candidates:
        base, basis = min(candidates), "the lower of the equity and revenue shares"
    else:
        base, basis = floor, "payment experience only (no usable statement)"
    if floor > base:
        base, basis = floor, "the highest exposure carried without going overdue"
    # The grade's cap is the last word: not even the customer's own record goes past it.
    if cap is not None and base > cap:
        base, basis = cap, f"{basis}, capped"
    limit = (base / LIMIT_STEP).to_integral_value(rounding=ROUND_FLOOR) * LIMIT_STEP
    return Recommendation(limit, grade.terms, basis), notes


def assess(card: Scorecard, subject: Subject, as_of: date, convert: Convert) -> Assessment:
    values, z, ratios = _inputs(card, subject, as_of)
    factors = tuple(_score_factor(f, values[f.name]) for f in card.factors)
    possible = sum((f.weight * f.max_points for f in factors), ZERO)
    earned = sum((f.weight * f.points for f in factors), ZERO)
    score = (Decimal(100) * earned / possible).quantize(SCORE_PLACES, rounding=ROUND_HALF_UP)
    grade = card.grade_for(score)
    costly = sorted((f for f in factors if f.lost > 0), key=lambda f: (-f.lost, f.factor))[:REASONS]
    recommendation, notes = _recommend(card, grade, subject, convert)
    missing = [f"{f.factor}: {FACTOR_INPUTS[f.factor]} unknown" for f in factors if f.value is None]
    if subject.statement is None:
        missing.insert(0, "financial statements")
    elif z is not None and z.reason:
        missing.append(z.reason)
    return Assessment(
        customer_code=subject.customer_code,
        as_of=as_of,
        version=card.version,
        score=score,
        grade=grade.grade,
        factors=factors,
        reasons=tuple(f.factor for f in costly),
        altman=z,
        ratios=ratios,
        behaviour=subject.behaviour,
        recommendation=recommendation,
        missing=tuple(missing + notes) + subject.notes,
        review_months=grade.review_months,
    )


def number(value: Decimal) -> str:
    """Without trailing zeros or an exponent: 10, 0.5, 2.83."""
    return format(value.normalize(), "f")


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def behaviour_json(b: behaviour.Behaviour, money: Callable[[Decimal], str]) -> dict[str, Any]:
    return {
        "settled_invoices": b.settled_invoices,
        "weighted_days_late": _plain(b.weighted_days_late),
        "on_time_share": _plain(b.on_time_share),
        "max_days_past_due": b.max_days_past_due,
        "days_beyond_terms": _plain(b.days_beyond_terms),
        "bounced_payments": b.bounced_payments,
        "trend_days": _plain(b.trend_days),
        "payment_index": b.payment_index,
        "high_credit": money(b.high_credit),
    }


def explain(a: Assessment, money: Callable[[Decimal], str]) -> dict[str, Any]:
    """The assessment as JSON-ready data: what is stored, published and shown."""
    return {
        "customer_code": a.customer_code,
        "as_of": a.as_of.isoformat(),
        "scorecard_version": a.version,
        "score": str(a.score),
        "grade": a.grade,
        "factors": [
            {
                "factor": f.factor,
                "value": _plain(f.value),
                "bin": f.bin,
                "points": number(f.points),
                "max_points": number(f.max_points),
                "weight": number(f.weight),
            }
            for f in a.factors
        ],
        "reasons": [
            {"code": f.factor, "points_lost": str(f.lost)}
            for r in a.reasons
            for f in a.factors
            if f.factor == r
        ],
        "altman": None
        if a.altman is None
        else {
            "model": a.altman.model.value,
            "x": None if a.altman.x is None else [str(x) for x in a.altman.x],
            "score": _plain(a.altman.score),
            "zone": None if a.altman.zone is None else a.altman.zone.value,
            "note": a.altman.reason,
            "annualised": a.altman.annualised,
        },
        "ratios": {
            name: {"value": _plain(r.value), "change": _plain(r.change), "reason": r.reason}
            for name, r in a.ratios.items()
        },
        "payment_behaviour": behaviour_json(a.behaviour, money),
        "recommended_limit": money(a.recommendation.limit),
        "recommended_limit_basis": a.recommendation.basis,
        "recommended_terms": a.recommendation.terms,
        "missing": list(a.missing),
    }
