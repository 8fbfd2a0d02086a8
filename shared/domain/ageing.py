"""Ageing: amounts spread over day buckets, by due date or by invoice date, as of a date."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from shared.domain.errors import InvalidInput

DEFAULT_BOUNDS = (30, 60, 90, 120)


@dataclass(frozen=True)
class Buckets:
    """Upper bounds in days: (30, 60, 90, 120) gives not due, 1–30, 31–60, 61–90, 91–120, >120."""

    bounds: tuple[int, ...] = DEFAULT_BOUNDS

    @classmethod
    def parse(cls, text: str | None) -> Buckets:
        if not text:
            return cls()
        try:
            bounds = tuple(int(part) for part in text.split(","))
        except ValueError:
            raise InvalidInput(f"buckets {text!r} are not whole numbers of days") from None
        if not bounds or any(b <= 0 for b in bounds) or list(bounds) != sorted(set(bounds)):
            raise InvalidInput("buckets are increasing positive day counts, e.g. 30,60,90,120")
        return cls(bounds)

    @property
    def labels(self) -> list[str]:
        labels, low = ["not_due"], 1
        for high in self.bounds:
            labels.append(f"{low}-{high}")
            low = high + 1
        labels.append(f">{self.bounds[-1]}")
        return labels

    def label(self, days: int) -> str:
        """The bucket of an item `days` past its reference date (0 or less: not due)."""
        if days <= 0:
            return "not_due"
        low = 1
        for high in self.bounds:
            if days <= high:
                return f"{low}-{high}"
            low = high + 1
        return f">{self.bounds[-1]}"


def age(items: Iterable[tuple[Decimal, date]], as_of: date, buckets: Buckets) -> dict[str, Decimal]:
    """Sum each (amount, reference date) into its bucket; every bucket is present, zero or not."""
    totals = dict.fromkeys(buckets.labels, Decimal(0))
    for amount, reference in items:
        totals[buckets.label((as_of - reference).days)] += amount
    return totals


def reference_date(basis: str, issue_date: date, due_date: date) -> date:
    """By due date, days past due; by invoice date, days since the invoice (not due on its day)."""
    return due_date if basis == "due_date" else issue_date


def add(totals: Sequence[dict[str, Decimal]]) -> dict[str, Decimal]:
    combined: dict[str, Decimal] = {}
    for row in totals:
        for label, amount in row.items():
            combined[label] = combined.get(label, Decimal(0)) + amount
    return combined
