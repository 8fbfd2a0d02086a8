"""Receivables turnover: credit sales of a period ÷ the average of the receivables at its
month-ends (the one before the period included), and the days it takes to turn them once: the
period's days ÷ turnover."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal(0)


@dataclass(frozen=True)
class Turnover:
    average_receivables: Decimal
    ratio: Decimal | None  # None: no receivables to turn over
    days: Decimal | None  # None: no sales


def turnover(credit_sales: Decimal, month_ends: Sequence[Decimal], days: int) -> Turnover:
    average = sum(month_ends, ZERO) / len(month_ends) if month_ends else ZERO
    if average <= 0:
        return Turnover(average, None, None)
    ratio = credit_sales / average
    return Turnover(average, ratio, days / ratio if ratio > 0 else None)
