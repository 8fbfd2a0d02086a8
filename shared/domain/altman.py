"""Altman's Z-score family, with the coefficients and zone cut-offs of the product brief.

- Z (public manufacturers): 1.2·X1 + 1.4·X2 + 3.3·X3 + 0.6·X4 + 1.0·X5, X4 = market value of
  equity / total liabilities; distress below 1.81, safe above 2.99.
- Z′ (private manufacturers): 0.717·X1 + 0.847·X2 + 3.107·X3 + 0.420·X4 + 0.998·X5, X4 = book
  equity / total liabilities; 1.23 / 2.90.
- Z″ (non-manufacturers, emerging markets): 6.56·X1 + 3.26·X2 + 6.72·X3 + 1.05·X4, X4 = book equity
  / total liabilities; 1.1 / 2.6. This is the four-variable model without the +3.25 constant,
  whose scale needs other cut-offs.

X1 = working capital / total assets, X2 = retained earnings / total assets, X3 = EBIT / total
assets, X5 = sales / total assets. The flows (EBIT, sales) of a statement shorter or longer than a
year are annualised alike, and the result says so: the models were fitted on annual accounts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from shared.domain.financials import Statement

SCORE_PLACES = Decimal("0.01")
X_PLACES = Decimal("0.0001")


class Model(StrEnum):
    Z = "Z"
    Z_PRIME = "Z'"
    Z_DOUBLE_PRIME = "Z''"


class Zone(StrEnum):
    SAFE = "safe"
    GREY = "grey"
    DISTRESS = "distress"


@dataclass(frozen=True)
class Spec:
    coefficients: tuple[Decimal, ...]
    distress_below: Decimal
    safe_above: Decimal
    market_equity: bool


D = Decimal
SPECS = {
    Model.Z: Spec((D("1.2"), D("1.4"), D("3.3"), D("0.6"), D("1.0")), D("1.81"), D("2.99"), True),
    Model.Z_PRIME: Spec(
        (D("0.717"), D("0.847"), D("3.107"), D("0.420"), D("0.998")), D("1.23"), D("2.90"), False
    ),
    Model.Z_DOUBLE_PRIME: Spec((D("6.56"), D("3.26"), D("6.72"), D("1.05")), D("1.1"), D("2.6"), False),
}


@dataclass(frozen=True)
class Result:
    model: Model
    x: tuple[Decimal, ...] | None
    score: Decimal | None
    zone: Zone | None
    reason: str | None = None
    annualised: str | None = None  # what was scaled to a year, in words


def choose(*, listed: bool, manufacturing: bool) -> Model:
    """Z for listed manufacturers, Z′ for private ones, Z″ for everyone else."""
    if not manufacturing:
        return Model.Z_DOUBLE_PRIME
    return Model.Z if listed else Model.Z_PRIME


def zone(model: Model, score: Decimal) -> Zone:
    """On the score as shown (2 decimals), so the zone never contradicts the figure beside it."""
    spec = SPECS[model]
    if score < spec.distress_below:
        return Zone.DISTRESS
    if score > spec.safe_above:
        return Zone.SAFE
    return Zone.GREY


def variables(model: Model, s: Statement) -> tuple[Decimal, ...] | str:
    """X1…X5 (X1…X4 for Z″), or the reason they cannot be had."""
    spec = SPECS[model]
    equity_field = "market_value_equity" if spec.market_equity else "equity"
    needed = ["current_assets", "current_liabilities", "total_assets", "retained_earnings", "ebit"]
    needed += [equity_field, "total_liabilities"]
    if len(spec.coefficients) == 5:
        needed.append("revenue")
    missing = [name for name in needed if getattr(s, name) is None]
    if missing:
        return f"{model.value}: {', '.join(missing)} missing"
    assets: Decimal = s.total_assets  # type: ignore[assignment]
    liabilities: Decimal = s.total_liabilities  # type: ignore[assignment]
    if assets == 0 or liabilities == 0:
        return f"{model.value}: {'total_assets' if assets == 0 else 'total_liabilities'} is zero"
    working_capital = s.current_assets - s.current_liabilities  # type: ignore[operator]
    x = [
        working_capital / assets,
        s.retained_earnings / assets,  # type: ignore[operator]
        s.ebit / assets,  # type: ignore[operator]
        getattr(s, equity_field) / liabilities,
    ]
    if len(spec.coefficients) == 5:
        x.append(s.revenue / assets)  # type: ignore[operator]
    return tuple(x)


def score(model: Model, s: Statement) -> Result:
    x = variables(model, s.annualised)
    if isinstance(x, str):
        return Result(model, None, None, None, x, s.annualising)
    total = sum((c * v for c, v in zip(SPECS[model].coefficients, x, strict=True)), Decimal(0))
    shown = total.quantize(SCORE_PLACES, rounding=ROUND_HALF_UP)
    return Result(
        model, tuple(v.quantize(X_PLACES) for v in x), shown, zone(model, shown), None, s.annualising
    )


def assess(s: Statement, *, listed: bool, manufacturing: bool, configured: Model | None = None) -> Result:
    """The model the customer's attributes call for (or the configured one). A listed manufacturer
    without a market value of equity is scored on Z′, and the result says so."""
    model = configured or choose(listed=listed, manufacturing=manufacturing)
    result = score(model, s)
    if model is Model.Z and configured is None and s.market_value_equity is None:
        private = score(Model.Z_PRIME, s)
        return replace(private, reason="no market value of equity: Z' used")
    return result
