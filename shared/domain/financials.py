"""Financial statements and the ratios read from them.

A ratio that lacks an input, or whose denominator is zero, is `None` with the reason: never a guess.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date
from decimal import Decimal

from shared.domain.errors import InvalidInput

RATIO_PLACES = Decimal("0.0001")
# Assets may differ from liabilities + equity by this share (rounding, minority interests).
BALANCE_TOLERANCE = Decimal("0.01")


class InconsistentStatement(InvalidInput):
    """`extra["errors"]` lists each problem with the field it concerns."""

    code = "inconsistent-financial-statement"
    title = "Inconsistent financial statement"


@dataclass(frozen=True)
class Statement:
    """One period's figures, in `currency`; any amount may be unknown."""

    period_end: date
    currency: str
    period_months: int = 12
    current_assets: Decimal | None = None
    inventory: Decimal | None = None
    cash: Decimal | None = None
    total_assets: Decimal | None = None
    current_liabilities: Decimal | None = None
    total_liabilities: Decimal | None = None
    equity: Decimal | None = None
    retained_earnings: Decimal | None = None
    revenue: Decimal | None = None
    ebit: Decimal | None = None
    interest_expense: Decimal | None = None
    net_income: Decimal | None = None
    operating_cash_flow: Decimal | None = None
    market_value_equity: Decimal | None = None

    @property
    def annualised(self) -> Statement:
        """The period's flows (revenue, EBIT, interest expense, net income, operating cash flow)
        scaled to twelve months, so that ratios of a flow to a balance-sheet item read as a year's
        whatever the period; the balance sheet is a moment and stays as it is."""
        if self.period_months == 12:
            return self
        factor = Decimal(12) / self.period_months
        scaled = {name: getattr(self, name) * factor for name in FLOWS if getattr(self, name) is not None}
        return replace(self, period_months=12, **scaled)

    @property
    def annualising(self) -> str | None:
        """What `annualised` did, in words; None for a year's statement."""
        if self.period_months == 12:
            return None
        factor = format((Decimal(12) / self.period_months).quantize(Decimal("0.0001")).normalize(), "f")
        return f"flows of a {self.period_months}-month statement annualised (× {factor})"


FLOWS = ("revenue", "ebit", "interest_expense", "net_income", "operating_cash_flow")


AMOUNT_FIELDS = tuple(
    f.name for f in fields(Statement) if f.name not in {"period_end", "currency", "period_months"}
)
# Balance-sheet and income items that cannot be negative (equity, earnings and cash flow can).
NON_NEGATIVE = (
    "current_assets",
    "inventory",
    "cash",
    "total_assets",
    "current_liabilities",
    "total_liabilities",
    "revenue",
    "interest_expense",
    "market_value_equity",
)


def problems(s: Statement) -> list[tuple[str, str]]:
    """(field, message) for every inconsistency; empty when the statement can be used."""
    found: list[tuple[str, str]] = []
    if not 1 <= s.period_months <= 24:
        found.append(("period_months", "a period is 1 to 24 months"))
    for name in NON_NEGATIVE:
        value = getattr(s, name)
        if value is not None and value < 0:
            found.append((name, f"{name.replace('_', ' ')} cannot be negative"))

    def over(part: str, whole: str) -> None:
        a, b = getattr(s, part), getattr(s, whole)
        if a is not None and b is not None and a > b:
            found.append((part, f"{part.replace('_', ' ')} exceed {whole.replace('_', ' ')}"))

    over("current_assets", "total_assets")
    over("inventory", "current_assets")
    over("cash", "current_assets")
    over("current_liabilities", "total_liabilities")
    if s.total_assets is not None and s.total_liabilities is not None and s.equity is not None:
        gap = abs(s.total_assets - (s.total_liabilities + s.equity))
        if gap > abs(s.total_assets) * BALANCE_TOLERANCE:
            found.append(
                (
                    "total_assets",
                    f"total assets {s.total_assets} differ from liabilities + equity "
                    f"{s.total_liabilities + s.equity} by more than 1%",
                )
            )
    return found


def check(s: Statement) -> Statement:
    found = problems(s)
    if found:
        raise InconsistentStatement(
            "; ".join(message for _, message in found),
            errors=[{"pointer": f"#/{name}", "detail": message} for name, message in found],
        )
    return s


@dataclass(frozen=True)
class Ratio:
    value: Decimal | None
    reason: str | None = None
    change: Decimal | None = None


def _ratio(s: Statement, label: str, top: tuple[str, ...], bottom: str) -> Ratio:
    """The first field of `top` less the others, divided by `bottom`; `None` with the reason."""
    missing = [name for name in (*top, bottom) if getattr(s, name) is None]
    if missing:
        return Ratio(None, f"{label}: {', '.join(missing)} missing")
    denominator: Decimal = getattr(s, bottom)
    if denominator == 0:
        return Ratio(None, f"{label}: {bottom} is zero")
    first, *less = (getattr(s, name) for name in top)
    numerator: Decimal = first - sum(less, Decimal(0))
    return Ratio((numerator / denominator).quantize(RATIO_PLACES))


RATIOS = ("current", "quick", "debt_to_asset", "net_margin", "interest_cover", "operating_cash_flow")


def ratios(statement: Statement) -> dict[str, Ratio]:
    """On the annualised flows: a half-year's operating cash flow is set against a year's needs."""
    s = statement.annualised
    return {
        "current": _ratio(s, "current", ("current_assets",), "current_liabilities"),
        "quick": _ratio(s, "quick", ("current_assets", "inventory"), "current_liabilities"),
        "debt_to_asset": _ratio(s, "debt to asset", ("total_liabilities",), "total_assets"),
        "net_margin": _ratio(s, "net margin", ("net_income",), "revenue"),
        "interest_cover": _ratio(s, "interest cover", ("ebit",), "interest_expense"),
        "operating_cash_flow": _ratio(
            s, "operating cash flow", ("operating_cash_flow",), "current_liabilities"
        ),
    }


def with_changes(current: dict[str, Ratio], previous: dict[str, Ratio] | None) -> dict[str, Ratio]:
    """Each ratio with its change against the previous period, where both are known."""
    if previous is None:
        return current
    out = {}
    for name, ratio in current.items():
        before = previous.get(name)
        change = (
            None
            if ratio.value is None or before is None or before.value is None
            else ratio.value - before.value
        )
        out[name] = Ratio(ratio.value, ratio.reason, change)
    return out
