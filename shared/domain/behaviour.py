"""How a customer pays, read from its invoices: the figures a credit manager asks first.

Over a window (default 12 months) ending on the as-of date:

- weighted days late: of the invoices settled in the window, amount-weighted (settlement date −
  due date; negative when paid early);
- on-time share: the share of that amount settled on or before the due date;
- max days past due: of the invoices open on the as-of date;
- days beyond terms: amount-weighted days past due of the open overdue invoices (0 when none);
- bounced payments: payments reversed in the window;
- trend: weighted days late of the last 3 months less that of the 9 before (positive: paying later);
- payment index, in the manner of a PAYDEX: each settled invoice scores by its days late on the
  anchors below, linear between them, amount-weighted; `None` with fewer settled invoices than the
  policy asks for;
- high credit: the highest exposure carried on a day when nothing was overdue (each invoice counted
  in full from its issue to its settlement), the floor of a recommended limit.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

ZERO = Decimal(0)
DAYS_PLACES = Decimal("0.1")
SHARE_PLACES = Decimal("0.0001")
# (days late, index), Dun & Bradstreet's PAYDEX scale: 100 anticipates (30 days early here), 90
# discount, 80 prompt (on time), 70 = 15 days beyond terms, 60 = 22, 50 = 30, 40 = 60, 30 = 90,
# 20 = 120 or more.
INDEX_ANCHORS: tuple[tuple[int, int], ...] = (
    (-30, 100),
    (0, 80),
    (15, 70),
    (22, 60),
    (30, 50),
    (60, 40),
    (90, 30),
    (120, 20),
)


@dataclass(frozen=True)
class Invoice:
    """`amount` weighs the invoice (in one currency for all of a customer's invoices); `settled_on`
    is when its open balance reached zero by payments or credit notes, None while it is open."""

    amount: Decimal
    open_amount: Decimal
    issue_date: date
    due_date: date
    settled_on: date | None = None


@dataclass(frozen=True)
class Policy:
    window_months: int = 12
    recent_months: int = 3
    min_settled_invoices: int = 3


@dataclass(frozen=True)
class Behaviour:
    settled_invoices: int
    weighted_days_late: Decimal | None
    on_time_share: Decimal | None
    max_days_past_due: int
    days_beyond_terms: Decimal
    bounced_payments: int
    trend_days: Decimal | None
    payment_index: int | None
    high_credit: Decimal


def add_months(day: date, months: int) -> date:
    """The same day `months` later (earlier when negative), or that month's last day when it is
    shorter."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def months_before(day: date, months: int) -> date:
    return add_months(day, -months)


def index_for(days_late: int) -> Decimal:
    """The payment index of one invoice paid `days_late` days after its due date."""
    (first_days, first_index), (last_days, last_index) = INDEX_ANCHORS[0], INDEX_ANCHORS[-1]
    if days_late <= first_days:
        return Decimal(first_index)
    if days_late >= last_days:
        return Decimal(last_index)
    for (d0, i0), (d1, i1) in pairwise(INDEX_ANCHORS):
        if d0 <= days_late <= d1:
            return Decimal(i0) + Decimal(i1 - i0) * (days_late - d0) / (d1 - d0)
    raise AssertionError("anchors cover every day")


def _weighted(pairs: Iterable[tuple[Decimal, Decimal]]) -> Decimal | None:
    """Σ weight·value / Σ weight, None without weight."""
    total = value = ZERO
    for weight, v in pairs:
        total += weight
        value += weight * v
    return None if total == 0 else value / total


def _days(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(DAYS_PLACES, rounding=ROUND_HALF_UP)


def high_credit(invoices: Sequence[Invoice], start: date, as_of: date) -> Decimal:
    """Sweep the days from `start` to `as_of` on which something changes, keeping the exposure and
    how many invoices are overdue; the highest exposure seen while none is."""
    one_day = timedelta(days=1)
    end_of_window = as_of + one_day
    # (day, exposure change, overdue change); a change before the window counts from its start.
    changes: list[tuple[date, Decimal, int]] = []
    for inv in invoices:
        end = inv.settled_on + one_day if inv.settled_on else end_of_window
        if end <= start or inv.issue_date > as_of:
            continue
        changes.append((max(inv.issue_date, start), inv.amount, 0))
        if end <= as_of:
            changes.append((end, -inv.amount, 0))
        late_from = inv.due_date + one_day
        if late_from < end and late_from <= as_of:
            changes.append((max(late_from, start), ZERO, 1))
            if end <= as_of:
                changes.append((end, ZERO, -1))
    changes.sort(key=lambda change: change[0])
    best = exposure = ZERO
    overdue = 0
    for i, (day, amount, late) in enumerate(changes):
        exposure += amount
        overdue += late
        # Judge a day once all of its changes are in.
        last_of_day = i + 1 == len(changes) or changes[i + 1][0] != day
        if last_of_day and overdue == 0 and exposure > best:
            best = exposure
    return best


def assess(
    invoices: Sequence[Invoice], bounced_on: Iterable[date], as_of: date, policy: Policy = Policy()
) -> Behaviour:
    start = months_before(as_of, policy.window_months)
    recent_from = months_before(as_of, policy.recent_months)
    settled = [i for i in invoices if i.settled_on is not None and start < i.settled_on <= as_of]
    late = [(i, (i.settled_on - i.due_date).days) for i in settled if i.settled_on is not None]
    weighted_late = _weighted((i.amount, Decimal(days)) for i, days in late)
    paid = sum((i.amount for i in settled), ZERO)
    on_time = sum((i.amount for i, days in late if days <= 0), ZERO)
    recent = _weighted((i.amount, Decimal(d)) for i, d in late if i.settled_on and i.settled_on > recent_from)
    earlier = _weighted(
        (i.amount, Decimal(d)) for i, d in late if i.settled_on and i.settled_on <= recent_from
    )
    open_overdue = [
        (i.open_amount, (as_of - i.due_date).days)
        for i in invoices
        if i.settled_on is None and i.open_amount > 0 and i.due_date < as_of and i.issue_date <= as_of
    ]
    index = _weighted((i.amount, index_for(days)) for i, days in late)
    return Behaviour(
        settled_invoices=len(settled),
        weighted_days_late=_days(weighted_late),
        on_time_share=None if paid == 0 else (on_time / paid).quantize(SHARE_PLACES, rounding=ROUND_HALF_UP),
        max_days_past_due=max((days for _, days in open_overdue), default=0),
        days_beyond_terms=_days(_weighted((a, Decimal(d)) for a, d in open_overdue)) or ZERO,
        bounced_payments=sum(1 for day in bounced_on if start < day <= as_of),
        trend_days=None if recent is None or earlier is None else _days(recent - earlier),
        payment_index=(
            None
            if index is None or len(settled) < policy.min_settled_invoices
            else int(index.quantize(Decimal(1), rounding=ROUND_HALF_UP))
        ),
        high_credit=high_credit(invoices, start, as_of),
    )
