"""Days sales outstanding and the collection effectiveness index.

- Standard DSO: receivables at the end of a period ÷ credit sales of the period × its days.
- Countback DSO: from the latest calendar month back, take each month's credit sales off the
  receivables and count its days, until the receivables are used up; the last month counts the
  fraction of its days that the rest is of its sales. It follows the sales trend, which the standard
  DSO smooths away.
- Best possible DSO: the same with only what is not yet due; average days delinquent is DSO less it.
- Collection effectiveness index (CEI): what was collected of what could have been, in percent:
  (receivables at the start + credit sales − receivables at the end) ÷ (receivables at the start +
  credit sales − current receivables at the end) × 100.
A figure whose divisor is zero (no sales) is None: undefined, not zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

ZERO = Decimal(0)
HUNDRED = Decimal(100)


def standard(receivables: Decimal, credit_sales: Decimal, days: int) -> Decimal | None:
    if credit_sales <= 0:
        return None
    return receivables / credit_sales * days


def best_possible(current: Decimal, credit_sales: Decimal, days: int) -> Decimal | None:
    """`current`: the receivables not yet due at the end of the period."""
    return standard(current, credit_sales, days)


def average_days_delinquent(dso: Decimal | None, best: Decimal | None) -> Decimal | None:
    return None if dso is None or best is None else dso - best


@dataclass(frozen=True)
class Month:
    """A calendar month's credit sales (the latest may be cut at the as-of date)."""

    first: date
    last: date
    sales: Decimal

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


@dataclass(frozen=True)
class CountbackStep:
    month: Month
    absorbed: Decimal  # of the receivables, by this month's sales
    days: Decimal  # that the month adds


@dataclass(frozen=True)
class Countback:
    dso: Decimal | None
    steps: tuple[CountbackStep, ...]
    exhausted: bool  # False: the months given ran out before the receivables (the DSO is a floor)


def countback(receivables: Decimal, months: Sequence[Month]) -> Countback:
    """`months` newest first."""
    if receivables <= 0:
        return Countback(ZERO, (), True)
    left, total, steps = receivables, ZERO, []
    for month in months:
        if month.sales <= 0:
            steps.append(CountbackStep(month, ZERO, Decimal(month.days)))
            total += month.days
            continue
        if left > month.sales:
            steps.append(CountbackStep(month, month.sales, Decimal(month.days)))
            total += month.days
            left -= month.sales
            continue
        part = left / month.sales * month.days
        steps.append(CountbackStep(month, left, part))
        return Countback(total + part, tuple(steps), True)
    return Countback(total if steps else None, tuple(steps), False)


def collection_effectiveness(
    beginning: Decimal, credit_sales: Decimal, ending_total: Decimal, ending_current: Decimal
) -> Decimal | None:
    collectable = beginning + credit_sales - ending_current
    if collectable <= 0:
        return None
    return (beginning + credit_sales - ending_total) / collectable * HUNDRED
