"""Late-payment interest and fixed compensation on an overdue item.

Interest runs from the day after the due date to the day the item is paid (or the as-of date while
it is open), day by day on what is still open that day: a payment made on a day reduces the balance
from the next day, since the money was owed for the whole of the day it arrived. Day count ACT/365:
each calendar day (29 February too) earns a 365th of the annual rate. The annual rate is fixed, or
a reference rate plus a margin: the reference in force on the day, or (EU Directive 2011/7/EU) the
central bank's rate in force on 1 January for the first half-year and on 1 July for the second,
plus at least 8 points. The sum is
rounded once per item, to the currency's minor unit. A fixed compensation per item is owed once the
item is late: a flat sum (EUR 40 under the Directive), or by the size of the debt (the UK's Late
Payment of Commercial Debts (Interest) Act 1998, s. 5A: £40 below £1,000, £70 below £10,000, £100
from £10,000).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from shared.domain.errors import InvalidInput
from shared.domain.money import round_money

DAYS_IN_YEAR = Decimal(365)
ZERO = Decimal(0)
ONE_DAY = timedelta(days=1)


class MissingReferenceRate(InvalidInput):
    """No reference rate is known for a day that earns interest."""


@dataclass(frozen=True)
class RateRule:
    """An annual rate as a fraction (0.08 = 8 %): `fixed`, or a reference rate plus `margin`, the
    reference given as its history (effective date → rate). `per: half_year` applies to each day
    the reference in force on 1 January or 1 July of its half-year, as the Directive does; `day`,
    the one in force on the day."""

    fixed: Decimal | None = None
    margin: Decimal = ZERO
    reference: Mapping[date, Decimal] = field(default_factory=dict)
    per: Literal["day", "half_year"] = "day"

    def __post_init__(self) -> None:
        if self.fixed is None and not self.reference:
            raise InvalidInput("a rate is fixed or follows a reference rate")

    def changes(self, first: date, last: date) -> list[date]:
        """The days after `first` up to `last` on which the rate may change."""
        if self.fixed is not None:
            return []
        if self.per == "half_year":
            starts = (date(y, m, 1) for y in range(first.year, last.year + 1) for m in (1, 7))
            return [d for d in starts if first < d <= last]
        return [d for d in sorted(self.reference) if first < d <= last]

    def on(self, day: date) -> Decimal:
        if self.fixed is not None:
            return self.fixed
        fixing = date(day.year, 1 if day.month < 7 else 7, 1) if self.per == "half_year" else day
        days = sorted(self.reference)
        at = bisect_right(days, fixing)
        if at == 0:
            raise MissingReferenceRate(f"no reference rate in force on {fixing.isoformat()}")
        return self.reference[days[at - 1]] + self.margin


@dataclass(frozen=True)
class Tier:
    """A compensation of `amount` for a debt below `below` (None: any debt the tiers before leave)."""

    amount: Decimal
    below: Decimal | None = None


def compensation_for(tiers: Sequence[Tier], debt: Decimal) -> Decimal:
    """The compensation a late debt of this size earns; nothing without tiers. Tiers come in
    increasing order of `below`, the open-ended one last (the policy's validation sees to it)."""
    for tier in tiers:
        if tier.below is None or debt < tier.below:
            return tier.amount
    return ZERO


def check_tiers(tiers: Sequence[Tier]) -> str | None:
    """Why these tiers cannot be used, or None."""
    bounds = [t.below for t in tiers]
    if not tiers or bounds[-1] is not None or None in bounds[:-1]:
        return "tiers end with one without `below`, and only the last is without it"
    limits = [b for b in bounds if b is not None]
    if limits != sorted(set(limits)) or any(b <= 0 for b in limits):
        return "`below` increases from one tier to the next"
    if any(t.amount < 0 for t in tiers):
        return "a compensation is not negative"
    return None


@dataclass(frozen=True)
class Payment:
    """Something that reduced the item's open balance on a day: a payment, a credit note, a
    write-off."""

    day: date
    amount: Decimal


@dataclass(frozen=True)
class Period:
    """Days `first`..`last` (inclusive) on `balance` at `rate`: the explanation of a sum."""

    first: date
    last: date
    balance: Decimal
    rate: Decimal

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def interest(self) -> Decimal:
        return self.balance * self.rate * self.days / DAYS_IN_YEAR


@dataclass(frozen=True)
class LateInterest:
    interest: Decimal  # rounded to the currency
    compensation: Decimal
    days_late: int
    periods: tuple[Period, ...]


def _corrected(payments: Sequence[Payment], corrections: Sequence[Payment], due_date: date) -> list[Payment]:
    """The reductions with each correction moved from its own date to the due date."""
    left = list(payments)
    for correction in corrections:
        same = next((p for p in left if p.day == correction.day and p.amount >= correction.amount), None)
        if same is None:
            continue  # not among the reductions: nothing to move
        left.remove(same)
        if same.amount > correction.amount:
            left.append(Payment(same.day, same.amount - correction.amount))
        left.append(Payment(min(due_date, correction.day), correction.amount))
    return left


def late_interest(
    *,
    amount: Decimal,
    currency: str,
    due_date: date,
    payments: Sequence[Payment],
    as_of: date,
    rate: RateRule,
    compensation: Decimal = ZERO,
    corrections: Sequence[Payment] = (),
) -> LateInterest:
    """What an item of `amount` due on `due_date` owes as of `as_of` for being paid late.
    `corrections`: credit notes that correct the invoice (it was billed too high), each also among
    `payments` on its own date: what they took off never bore interest, so they count from the due
    date instead, as though the invoice had been billed right."""
    balance = amount
    reductions = sorted(_corrected(payments, corrections, due_date), key=lambda p: p.day)
    # Payments up to the due date were on time: they only lower the balance that runs late.
    while reductions and reductions[0].day <= due_date:
        balance -= reductions.pop(0).amount
    if as_of <= due_date or balance <= 0:
        return LateInterest(ZERO, ZERO, 0, ())
    paid_off = None
    running = balance
    for p in reductions:
        running -= p.amount
        if running <= 0:
            paid_off = p.day
            break
    end = min(as_of, paid_off) if paid_off else as_of
    # Days on which something changes: the balance the day after a payment, the rate on its date.
    boundaries = sorted(
        {p.day + ONE_DAY for p in reductions if due_date < p.day < end}
        | set(rate.changes(due_date + ONE_DAY, end))
    )
    periods: list[Period] = []
    first = due_date + ONE_DAY
    for start_next in [*boundaries, end + ONE_DAY]:
        if start_next > first:
            periods.append(Period(first, start_next - ONE_DAY, balance, rate.on(first)))
        balance -= sum((p.amount for p in reductions if p.day == start_next - ONE_DAY), ZERO)
        first = start_next
    total = sum((p.interest for p in periods if p.balance > 0), ZERO)
    return LateInterest(
        interest=round_money(total, currency),
        compensation=compensation,
        days_late=(end - due_date).days,
        periods=tuple(p for p in periods if p.balance > 0),
    )
