"""Expected credit losses on trade receivables, IFRS 9 simplified approach (5.5.15): a provision
matrix of loss rates over the ageing buckets, the rates either configured or derived from the
firm's own history by the roll-rate method, per segment of receivables with shared credit risk
characteristics (B5.5.5, B5.5.35), and specific provisions for named customers.

Roll rates, month by month: the share of what a bucket held at a month-end that arrived in a later
bucket by the next month-end (only what came from it: older debts already there do not count). The
last bucket's is its lifetime loss: the share of what entered it that ended written off. By
default a bucket's roll rate weighs each month by its balance (Σ rolled ÷ Σ held over the months);
`weighting="mean"` takes the plain mean of the monthly ratios instead (but for the last bucket,
whose entries and write-offs fall in different months). A bucket's loss rate is the
product of the roll rates from it to the last bucket's loss, times a forward-looking factor, capped
at 100 %. Balances are floored at zero per customer and currency before they are summed, so one
customer's credit balance never lowers the provision on others' debts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from shared.domain.errors import InvalidInput

ZERO = Decimal(0)
ONE = Decimal(1)
Weighting = Literal["amount", "mean"]


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
    """Expected loss per bucket: its balance × its loss rate (buckets in the order of `rates`). The
    balances are what customers owe, each floored at zero before they were summed (`floored`)."""
    unknown = set(balances) - set(rates)
    if unknown:
        raise InvalidInput(f"no loss rate for bucket(s) {', '.join(sorted(unknown))}")
    return Matrix(
        tuple(
            Line(bucket, balances.get(bucket, ZERO), rate, max(balances.get(bucket, ZERO), ZERO) * rate)
            for bucket, rate in rates.items()
        )
    )


def by_balances(then: Mapping[str, tuple[Decimal, Decimal]], now: Mapping[str, Decimal]) -> Decimal:
    """The part of a provision's movement between two month-ends that the balances made: each
    bucket's change of balance at the rate it was provided at before (its loss then over its
    balance then; nothing for a bucket that held nothing). The rest of the movement is what the
    rates did. `then`: bucket → (balance, loss); `now`: bucket → balance."""
    part = ZERO
    for bucket in then.keys() | now.keys():
        balance, loss = then.get(bucket, (ZERO, ZERO))
        rate = loss / balance if balance > 0 else ZERO
        part += (now.get(bucket, ZERO) - balance) * rate
    return part


def floored(owed: Mapping[tuple[str, str, str], Decimal]) -> dict[tuple[str, str], Decimal]:
    """(customer, currency, bucket) → balance, to (currency, bucket) → the sum of the positive ones:
    a credit balance carries no loss, and lowers no one else's."""
    found: dict[tuple[str, str], Decimal] = {}
    for (_, currency, bucket), amount in owed.items():
        if amount > 0:
            found[currency, bucket] = found.get((currency, bucket), ZERO) + amount
    return found


@dataclass(frozen=True)
class Month:
    """One month of a segment's history, between two month-ends: per bucket, what it held at the
    first (`held`) and what of that had arrived in a later bucket by the second (`rolled`; the
    last bucket rolls nowhere); what entered the last bucket from the ones before (`entered`); and
    what was written off in the month (`written_off`)."""

    held: Mapping[str, Decimal]
    rolled: Mapping[str, Decimal] = field(default_factory=dict)
    entered: Decimal = ZERO
    written_off: Decimal = ZERO


def add(months: Sequence[Sequence[Month]]) -> list[Month]:
    """Histories of several segments over the same months, as one."""

    def total(maps: Sequence[Mapping[str, Decimal]]) -> dict[str, Decimal]:
        out: dict[str, Decimal] = {}
        for m in maps:
            for k, v in m.items():
                out[k] = out.get(k, ZERO) + v
        return out

    return [
        Month(
            total([m.held for m in same]),
            total([m.rolled for m in same]),
            sum((m.entered for m in same), ZERO),
            sum((m.written_off for m in same), ZERO),
        )
        for same in zip(*months, strict=True)
    ]


@dataclass(frozen=True)
class Flow:
    """One bucket, one month: the base of its roll rate and what rolled on (the last bucket: what
    entered it, and what was written off)."""

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
    weighting: Weighting
    rates: dict[str, Decimal]


def _rate(flows: Sequence[Flow], weighting: Weighting) -> Decimal | None:
    held = sum((f.start for f in flows if f.start > 0), ZERO)
    if held == 0:
        return None
    if weighting == "mean":
        observed = [f for f in flows if f.start > 0]
        return sum((min(max(f.rolled, ZERO) / f.start, ONE) for f in observed), ZERO) / len(observed)
    return min(sum((max(f.rolled, ZERO) for f in flows), ZERO) / held, ONE)


def roll_rates(
    history: Sequence[Month],
    buckets: Sequence[str],
    *,
    factor: Decimal = ONE,
    weighting: Weighting = "amount",
) -> LossRates:
    """Loss rates from `history` (oldest month first)."""
    if not history:
        raise InvalidInput("roll rates need at least one month of history")
    if factor < 0:
        raise InvalidInput("the forward-looking factor is not negative")
    last = len(buckets) - 1
    rolls: list[RollRate] = []
    for i, bucket in enumerate(buckets):
        flows = tuple(
            Flow(bucket, m.entered, m.written_off)
            if i == last
            else Flow(bucket, m.held.get(bucket, ZERO), m.rolled.get(bucket, ZERO))
            for m in history
        )
        # The last bucket's is a lifetime loss: what entered it in one month is written off in
        # another, so only the totals over the history mean anything, whatever the weighting.
        rolls.append(RollRate(bucket, _rate(flows, "amount" if i == last else weighting), flows))
    rates: dict[str, Decimal] = {}
    onward = ONE
    for roll in reversed(rolls):
        onward *= roll.average if roll.average is not None else ZERO
        rates[roll.bucket] = min(onward * factor, ONE)
    return LossRates(tuple(rolls), factor, weighting, {b: rates[b] for b in buckets})


@dataclass(frozen=True)
class Minimum:
    """The history a segment needs for rates of its own: month-ends with a balance, and the average
    month-end balance (in the reporting currency)."""

    months: int = 6
    balance: Decimal = ZERO


@dataclass(frozen=True)
class Segmented:
    portfolio: LossRates
    rates: dict[str, LossRates]  # by segment: its own, or the portfolio's where it fell back
    fallbacks: dict[str, str]  # segment → why it has the portfolio's rates


def segmented(
    histories: Mapping[str, Sequence[Month]],
    buckets: Sequence[str],
    minimum: Minimum,
    *,
    factor: Decimal = ONE,
    weighting: Weighting = "amount",
) -> Segmented:
    """Loss rates per segment from the segment's own history; a segment with too little history
    has the portfolio's (all segments' histories added up)."""
    portfolio = roll_rates(add(list(histories.values())), buckets, factor=factor, weighting=weighting)
    rates: dict[str, LossRates] = {}
    fallbacks: dict[str, str] = {}
    for name, history in histories.items():
        held = [sum((max(v, ZERO) for v in m.held.values()), ZERO) for m in history]
        with_balance = sum(1 for h in held if h > 0)
        average = sum(held, ZERO) / len(held) if held else ZERO
        if with_balance < minimum.months:
            fallbacks[name] = f"{with_balance} month-ends with a balance, fewer than {minimum.months}"
        elif average < minimum.balance:
            fallbacks[name] = f"an average month-end balance of {average:.2f}, below {minimum.balance}"
        rates[name] = (
            portfolio
            if name in fallbacks
            else roll_rates(history, buckets, factor=factor, weighting=weighting)
        )
    return Segmented(portfolio, rates, fallbacks)


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
