"""Expected credit losses on trade receivables, IFRS 9 simplified approach (5.5.15): a provision
matrix of loss rates over the ageing buckets, the rates either configured or derived from the
firm's own history by the roll-rate method, and specific provisions for named customers.

Roll rates: between two consecutive month-ends, the share of a bucket's balance that moved on to
the next bucket a month later (the last bucket: into write-off). A bucket's loss rate is the product
of the average roll rates from it to write-off, times a forward-looking factor (capped at 100 %).
A bucket's balance below zero (credit balances) carries no loss.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from shared.domain.errors import InvalidInput

ZERO = Decimal(0)
ONE = Decimal(1)


@dataclass(frozen=True)
class Line:
    bucket: str
    balance: Decimal
    rate: Decimal
    loss: Decimal


@dataclass(frozen=True)
class Matrix:
    lines: tuple[Line, ...]

    @property
    def total(self) -> Decimal:
        return sum((line.loss for line in self.lines), ZERO)

    @property
    def balance(self) -> Decimal:
        return sum((line.balance for line in self.lines), ZERO)


def matrix(balances: Mapping[str, Decimal], rates: Mapping[str, Decimal]) -> Matrix:
    """Expected loss per bucket: its balance × its loss rate (buckets in the order of `rates`)."""
    unknown = set(balances) - set(rates)
    if unknown:
        raise InvalidInput(f"no loss rate for bucket(s) {', '.join(sorted(unknown))}")
    return Matrix(
        tuple(
            Line(bucket, balances.get(bucket, ZERO), rate, max(balances.get(bucket, ZERO), ZERO) * rate)
            for bucket, rate in rates.items()
        )
    )


@dataclass(frozen=True)
class Flow:
    """One bucket, one month: what it held at a month-end and what of it rolled on a month later."""

    bucket: str
    start: Decimal
    rolled: Decimal


@dataclass(frozen=True)
class RollRate:
    bucket: str
    average: Decimal | None  # None: the bucket held nothing in any month observed
    months: tuple[Flow, ...]  # the data behind it


@dataclass(frozen=True)
class LossRates:
    roll_rates: tuple[RollRate, ...]
    factor: Decimal
    rates: dict[str, Decimal]


def roll_rates(
    month_ends: Sequence[Mapping[str, Decimal]],
    written_off: Sequence[Decimal],
    buckets: Sequence[str],
    *,
    factor: Decimal = ONE,
) -> LossRates:
    """`month_ends`: bucket balances at consecutive month-ends, oldest first; `written_off[i]`: what
    was written off between month-end i and i + 1 (one fewer than the month-ends)."""
    if len(month_ends) < 2:
        raise InvalidInput("roll rates need at least two month-ends")
    if len(written_off) != len(month_ends) - 1:
        raise InvalidInput("one write-off total per month between the month-ends")
    if factor < 0:
        raise InvalidInput("the forward-looking factor is not negative")
    rolls: list[RollRate] = []
    for i, bucket in enumerate(buckets):
        flows = []
        for m in range(len(month_ends) - 1):
            start = month_ends[m].get(bucket, ZERO)
            nxt = written_off[m] if i == len(buckets) - 1 else month_ends[m + 1].get(buckets[i + 1], ZERO)
            flows.append(Flow(bucket, start, nxt))
        observed = [f for f in flows if f.start > 0]
        average = (
            sum((min(max(f.rolled, ZERO) / f.start, ONE) for f in observed), ZERO) / len(observed)
            if observed
            else None
        )
        rolls.append(RollRate(bucket, average, tuple(flows)))
    rates: dict[str, Decimal] = {}
    onward = ONE
    for roll in reversed(rolls):
        onward *= roll.average if roll.average is not None else ZERO
        rates[roll.bucket] = min(onward * factor, ONE)
    return LossRates(tuple(rolls), factor, {b: rates[b] for b in buckets})


@dataclass(frozen=True)
class Specific:
    """A customer provided for by name: a rate of its balance, or an amount (never above it)."""

    customer_code: str
    rate: Decimal | None = None
    amount: Decimal | None = None

    def __post_init__(self) -> None:
        if (self.rate is None) == (self.amount is None):
            raise InvalidInput("a specific provision is a rate or an amount")
        if self.rate is not None and not ZERO <= self.rate <= ONE:
            raise InvalidInput("a specific provision's rate is between 0 and 1")
        if self.amount is not None and self.amount < 0:
            raise InvalidInput("a specific provision's amount is not negative")

    def loss(self, balance: Decimal) -> Decimal:
        owed = max(balance, ZERO)
        return owed * self.rate if self.rate is not None else min(self.amount or ZERO, owed)
