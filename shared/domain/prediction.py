"""When will an open invoice be paid, and how much cash comes in each week.

Each customer's habit is a distribution of days late (payment date − due date), read from the
payments applied to its invoices in the window before the as-of date (default 365 days), each
weighted by its amount and by its age (half of the weight every 180 days), so that recent, large
payments count most:

- **Thin history** is shrunk toward its peers' (the customers of its grade, else the portfolio):
  the two distributions are mixed, the customer's own weighing n ÷ (n + 5) with n payments.
- **Trend**: a customer paying later month after month is ahead of its average. The days late are
  regressed on the payment dates (weighted as above, six payments at least); the distribution moves
  by the regression's level at the as-of date less the average (at most 45 days either way).
- **Payment runs**: a customer that pays at least 70 % of its amount in the last three days of a
  month or the first two of the next pays by month-end runs. Its habit is a distribution over
  month-ends instead of days: 0 is the run of the due date's month, 1 the next; its payments are
  predicted on those month-ends.
- **Promises**: an open promise to pay an invoice on a date on or after tomorrow sets the date: it is
  kept with the customer's share of promises kept ((kept + 1.4) ÷ (settled promises + 2), 70 %
  before any is settled), else the invoice follows the habit from that date on. Broken promises
  lower that share and so widen the band.
- **Disputes**: an invoice under an open dispute is left out: no date, no cash, until resolved.

An invoice still open on the as-of date is paid after it: its distribution is the habit's from
tomorrow on (or from the promised date), renormalised. From it: the median date, a band (10th and
90th percentiles), the probability of payment by the due date and of no payment within 30 days.
The weekly cash-in forecast sums each invoice's open amount times its probability of being paid in
the week; its band is ±1.2816 standard deviations (an 80 % interval) of that sum, the invoices taken
as independent payments of all or nothing.

Days are numbered from 1970-01-01 and a million invoices are worked as arrays: each habit is a row
of a cumulative table, each date and probability a lookup in its row. A forecast as of a date reads
nothing dated after it (`tests/unit/test_prediction.py` holds that as a property).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

EPOCH = date(1970, 1, 1)
Days = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Indexes = npt.NDArray[np.intp]
Flags = npt.NDArray[np.bool_]

# The days late a habit covers: earlier is counted at its start, later at its end.
DAYS_LOW, DAYS_HIGH = -60, 365
WIDTH = DAYS_HIGH - DAYS_LOW + 1
# For payment runs: month-ends from two before the due date's to twelve after.
MONTHS_LOW, MONTHS_HIGH = -2, 12
NO_PROMISE = np.iinfo(np.int64).min
# An invoice whose habit leaves no chance of payment after today is expected beyond this many days.
BEYOND = 366
Z80 = 1.2816  # the standard normal's 90th percentile: an 80 % band


@dataclass(frozen=True)
class Policy:
    window_days: int = 365
    half_life_days: float = 180
    prior_strength: float = 5
    trend_min_payments: int = 6
    trend_cap_days: float = 45
    run_share: float = 0.7
    run_min_payments: int = 6
    promise_kept_prior: float = 0.7
    band: tuple[float, float] = (0.1, 0.9)


@dataclass(frozen=True)
class Payment:
    """What was paid of an invoice (in its currency, as a float: the habit is a weighting)."""

    paid_on: date
    due_date: date
    amount: float


@dataclass(frozen=True)
class Paid:
    """Payments as arrays: each one's customer (an index), day paid, invoice's due day, amount."""

    customer: Indexes
    paid_on: Days
    due: Days
    amount: Floats

    @classmethod
    def of(cls, payments: Sequence[Payment]) -> Paid:
        """One customer's payments (index 0)."""
        return cls(
            np.zeros(len(payments), dtype=np.intp),
            np.array([day_number(p.paid_on) for p in payments], dtype=np.int64),
            np.array([day_number(p.due_date) for p in payments], dtype=np.int64),
            np.array([p.amount for p in payments], dtype=np.float64),
        )

    def recent(self, as_of: date, policy: Policy) -> Paid:
        """The payments in the window that ends on `as_of`: nothing dated after it."""
        today = day_number(as_of)
        keep = (self.paid_on > today - policy.window_days) & (self.paid_on <= today) & (self.amount > 0)
        return Paid(self.customer[keep], self.paid_on[keep], self.due[keep], self.amount[keep])

    def weights(self, as_of: date, policy: Policy) -> Floats:
        ages = (day_number(as_of) - self.paid_on).astype(np.float64)
        found: Floats = self.amount * np.power(0.5, ages / policy.half_life_days)
        return found


@dataclass(frozen=True)
class Habits:
    """Each customer's distribution of days late (or of month-end runs), cumulative, one row each,
    and how it was reached."""

    cdf: Floats
    runs: Flags
    payments: Days
    own_weight: Floats
    trend_days: Floats
    average_days_late: Floats  # NaN without payments
    kept_share: Floats

    def explain(self, n: int) -> dict[str, object]:
        average = float(self.average_days_late[n])
        return {
            "method": "month-end runs" if self.runs[n] else "days late",
            "payments": int(self.payments[n]),
            "own_weight": round(float(self.own_weight[n]), 3),
            "trend_days": round(float(self.trend_days[n]), 1),
            "average_days_late": None if np.isnan(average) else round(average, 1),
            "promise_kept_share": round(float(self.kept_share[n]), 3),
        }


def day_number(day: date) -> int:
    return (day - EPOCH).days


def day_of(number: int) -> date:
    return EPOCH + timedelta(days=int(number))


def _month_numbers(days: Days) -> Days:
    months: Days = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return months


def _month_end(months: Days) -> Days:
    """The last day of each month (months counted from 1970-01)."""
    ends: Days = ((months + 1).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)) - 1
    return ends


def _day_of_month(days: Days) -> Days:
    firsts = _month_numbers(days).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    found: Days = days - firsts + 1
    return found


def _histogram(rows: Indexes, columns: Days, weights: Floats, count: int) -> Floats:
    """Weights summed per (row, column) into a count × WIDTH table, each row divided by its sum."""
    found = np.bincount(rows * WIDTH + columns, weights=weights, minlength=count * WIDTH).astype(np.float64)
    table = found.reshape(count, WIDTH)
    totals = table.sum(axis=1, keepdims=True)
    normal: Floats = np.divide(table, totals, out=np.zeros_like(table), where=totals > 0)
    return normal


def _point(at: int) -> Floats:
    found = np.zeros(WIDTH)
    found[at - DAYS_LOW] = 1.0
    return found


def peers(paid: Paid, group_of: Indexes, count: int, as_of: date, policy: Policy = Policy()) -> Floats:
    """Each peer group's days-late distribution (`group_of`: each customer's group), its members'
    payments pooled; a group without any has the portfolio's, and a portfolio without any pays every
    invoice on its due date."""
    recent = paid.recent(as_of, policy)
    late = np.clip(recent.paid_on - recent.due, DAYS_LOW, DAYS_HIGH) - DAYS_LOW
    weights = recent.weights(as_of, policy)
    groups = _histogram(group_of[recent.customer], late, weights, count)
    portfolio = _histogram(np.zeros(len(late), dtype=np.intp), late, weights, 1)[0]
    if not portfolio.any():
        portfolio = _point(0)
    found: Floats = np.where(groups.any(axis=1, keepdims=True), groups, portfolio)
    return found


def habits(
    paid: Paid,
    count: int,
    prior: Floats,
    as_of: date,
    policy: Policy = Policy(),
    promises_kept: Days | None = None,
    promises_broken: Days | None = None,
) -> Habits:
    """The habits of `count` customers from their payments dated on or before `as_of` (later ones
    are ignored); `prior`: each customer's peers' distribution (count × WIDTH)."""
    recent = paid.recent(as_of, policy)
    who = recent.customer
    weights = recent.weights(as_of, policy)
    late = recent.paid_on - recent.due

    def total(values: Floats) -> Floats:
        summed: Floats = np.bincount(who, weights=values, minlength=count).astype(np.float64)
        return summed

    payments = np.bincount(who, minlength=count).astype(np.int64)
    weight_sum = total(weights)
    amount_sum = total(recent.amount)
    average = np.divide(
        total(recent.amount * late), amount_sum, out=np.full(count, np.nan), where=amount_sum > 0
    )
    # Payment runs: paid in the last three days of a month or the first two of the next.
    on_run = _day_of_month(recent.paid_on + 3) <= 5
    runs = (payments >= policy.run_min_payments) & (weight_sum > 0)
    runs &= total(weights * on_run) >= policy.run_share * weight_sum
    # Trend: days late regressed on the day paid (x ≤ 0, today 0), weighted.
    x = (recent.paid_on - day_number(as_of)).astype(np.float64)
    safe = np.where(weight_sum > 0, weight_sum, 1.0)
    mean_x, mean_y = total(weights * x) / safe, total(weights * late) / safe
    spread = total(weights * x * x) / safe - mean_x**2
    moves = total(weights * x * late) / safe - mean_x * mean_y
    fitted = (payments >= policy.trend_min_payments) & (spread > 1e-9) & ~runs
    slope = np.divide(moves, spread, out=np.zeros(count), where=fitted)
    trend = np.where(fitted, np.clip(-slope * mean_x, -policy.trend_cap_days, policy.trend_cap_days), 0.0)
    shifted = np.clip(late + np.round(trend[who]).astype(np.int64), DAYS_LOW, DAYS_HIGH) - DAYS_LOW
    own = _histogram(who, shifted, weights, count)
    run_offsets = _month_numbers(recent.paid_on - 2) - _month_numbers(recent.due)
    run_table = _histogram(
        who, np.clip(run_offsets, MONTHS_LOW, MONTHS_HIGH) - MONTHS_LOW, weights * on_run, count
    )
    own_weight = np.where(runs, 1.0, payments / (payments + policy.prior_strength))
    mixed = own_weight[:, None] * own + (1 - own_weight[:, None]) * prior
    kept = np.zeros(count, dtype=np.int64) if promises_kept is None else promises_kept
    broken = np.zeros(count, dtype=np.int64) if promises_broken is None else promises_broken
    return Habits(
        cdf=np.cumsum(np.where(runs[:, None], run_table, mixed), axis=1),
        runs=runs,
        payments=payments,
        own_weight=own_weight,
        trend_days=trend,
        average_days_late=average,
        kept_share=(kept + 2 * policy.promise_kept_prior) / (kept + broken + 2),
    )


@dataclass(frozen=True)
class Items:
    """Open invoices as arrays: each one's habit (an index into the habits), due date and open
    amount; the date of an open promise to pay it (NO_PROMISE when none) and whether it is under an
    open dispute."""

    habit: Indexes
    due: Days
    amount: Floats
    promised: Days
    disputed: Flags


class Forecast:
    """The invoices' payment distributions as of a date; dates are day numbers."""

    def __init__(self, habits: Habits, items: Items, as_of: date) -> None:
        self.items = items
        self.as_of = day_number(as_of)
        self._table = habits.cdf
        self._flat = habits.cdf.ravel()
        self._lifted: Floats | None = None
        h = items.habit
        self._row_start = h * WIDTH
        self._runs = habits.runs[h]
        self._low = np.where(self._runs, MONTHS_LOW, DAYS_LOW)
        self._due_month = _month_numbers(items.due)
        tomorrow = self.as_of + 1
        promised = (items.promised != NO_PROMISE) & (items.promised >= tomorrow)
        kept = habits.kept_share[h]
        # The first day it can be paid, and the chance it is paid on that very day.
        self.floor = np.where(promised, items.promised, tomorrow)
        self.certain = np.where(promised, kept, 0.0)
        self._before = self._cdf(self.floor - 1)
        self._left = 1.0 - self._before
        self.excluded = items.disputed

    def _units(self, days: Days) -> Days:
        """Days late, or month-end runs after the due date's month for run payers (a day given
        once for all invoices is worked out once)."""
        months = _month_numbers(days[:1] if days.ndim == 0 or days.strides == (0,) else days)
        last_run = months - (_month_end(months) != days[: len(months)])
        units: Days = np.where(self._runs, last_run - self._due_month, days - self.items.due)
        return units

    def _cdf(self, days: Days) -> Floats:
        """P(paid on or before each day) by the habit alone."""
        index = self._units(days) - self._low
        inside = np.clip(index, 0, WIDTH - 1)
        found: Floats = np.where(index < 0, 0.0, self._flat[self._row_start + inside])
        return found

    def paid_by(self, days: Days | int) -> Floats:
        """P(paid on or before each day); 0 for an invoice under dispute."""
        days = np.broadcast_to(np.asarray(days, dtype=np.int64), self.items.due.shape)
        alive = self._left > 1e-12
        later = np.clip((self._cdf(days) - self._before) / np.where(alive, self._left, 1.0), 0.0, 1.0)
        chance = np.where(alive, self.certain + (1 - self.certain) * later, self.certain)
        found: Floats = np.where((days < self.floor) | self.excluded, 0.0, chance)
        return found

    def quantile(self, q: float) -> Days:
        """The day by which each invoice is paid with probability q (BEYOND days on when the habit
        leaves no chance); meaningless for an invoice under dispute."""
        rest = np.clip((q - self.certain) / np.where(self.certain < 1, 1 - self.certain, 1.0), 0.0, 1.0)
        target = self._before + rest * self._left
        rows = self.items.habit
        if self._lifted is None:
            # Each row's cumulative values lifted by 2 × its index: one sorted array for all rows.
            self._lifted = (self._table + 2.0 * np.arange(self._table.shape[0])[:, None]).ravel()
        keys = target + 2.0 * rows - 1e-12
        # Looked up in order: searching a million keys sorted is several times faster than unsorted.
        order = np.argsort(keys, kind="stable")
        at = np.empty_like(rows)
        at[order] = np.searchsorted(self._lifted, keys[order], side="left")
        at -= self._row_start
        units = np.clip(at, 0, WIDTH - 1) + self._low
        dates = np.where(self._runs, _month_end(self._due_month + units), self.items.due + units)
        dates = np.maximum(dates, self.floor)
        on_floor = q <= self.certain
        hopeless = self._left <= 1e-12
        found: Days = np.where(on_floor, self.floor, np.where(hopeless, self.as_of + BEYOND, dates))
        return found


@dataclass(frozen=True)
class Weeks:
    """Per group and week (the last column: later), the expected cash and its variance."""

    expected: Floats
    variance: Floats

    def band(self) -> tuple[Floats, Floats]:
        spread = Z80 * np.sqrt(self.variance)
        return np.maximum(self.expected - spread, 0.0), self.expected + spread


def weekly(forecast: Forecast, groups: Indexes, count: int, weeks: int) -> Weeks:
    """Week w covers the days as_of + 7w + 1 to as_of + 7(w + 1); disputed invoices count nowhere."""
    amount = np.where(forecast.excluded, 0.0, forecast.items.amount)
    expected = np.zeros((count, weeks + 1))
    variance = np.zeros((count, weeks + 1))
    before = np.zeros_like(amount)
    for week in range(weeks + 1):
        by = forecast.paid_by(forecast.as_of + 7 * (week + 1)) if week < weeks else np.ones_like(amount)
        chance = np.clip(by - before, 0.0, 1.0)
        expected[:, week] = np.bincount(groups, weights=amount * chance, minlength=count)
        variance[:, week] = np.bincount(
            groups, weights=amount * amount * chance * (1 - chance), minlength=count
        )
        before = by
    return Weeks(expected, variance)


def point_weeks(
    paid_on: Days, amount: Floats, as_of: date, groups: Indexes, count: int, weeks: int
) -> Floats:
    """All of each amount in the week of its date (the last column: later): a point forecast's, or
    what happened."""
    week = np.clip((paid_on - day_number(as_of) - 1) // 7, 0, weeks)
    found = np.bincount(groups * (weeks + 1) + week, weights=amount, minlength=count * (weeks + 1))
    table: Floats = found.astype(np.float64).reshape(count, weeks + 1)
    return table


def weekly_error(forecast: Floats, actual: Floats) -> float | None:
    """Σ |forecast − actual| over the weeks (not the later column) ÷ Σ actual, in percent."""
    total = float(actual[..., :-1].sum())
    if total <= 0:
        return None
    return float(np.abs(forecast[..., :-1] - actual[..., :-1]).sum()) / total * 100
