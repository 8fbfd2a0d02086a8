"""Predicted payment dates of open invoices as of a date (`shared/domain/prediction.py` over what
was known on that date): one customer's invoices with their dates and chances, the cash expected
per week for the forecast report, the promises whose predicted payment falls after the promised
date, and the backtest that scores predictions against what happened after the date, beside two
naive baselines."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.credit.customers import service as customers
from services.credit_api.credit.payment_predictions import repository
from services.credit_api.credit.payment_predictions.errors import FIRST_DAY, LAST_DAY, AsOfOutOfRange
from services.credit_api.credit.payment_predictions.schemas import (
    Backtest,
    Method,
    PredictedItem,
    Predictions,
    Scores,
)
from shared.domain.money import format_amount
from shared.domain.prediction import (
    NO_PROMISE,
    Days,
    Floats,
    Forecast,
    Habits,
    Items,
    Paid,
    Policy,
    Weeks,
    day_number,
    day_of,
    habits,
    peers,
    point_weeks,
    weekly,
    weekly_error,
)

POLICY = Policy()
WITHIN = 30  # days: the worklist's horizon


@dataclass(frozen=True)
class Snapshot:
    """The open invoices as of a date, their customers' habits and the forecast from them."""

    as_of: date
    invoices: repository.OpenInvoices
    customers: list[str]
    habits: Habits
    items: Items
    forecast: Forecast

    def unpromised(self) -> Forecast:
        """The same invoices as if no promise had been made: what the habits alone say."""
        items = Items(
            self.items.habit,
            self.items.due,
            self.items.amount,
            np.full_like(self.items.promised, NO_PROMISE),
            self.items.disputed,
        )
        return Forecast(self.habits, items, self.as_of)


async def snapshot(
    session: AsyncSession, as_of: date, customers: list[str] | None = None, policy: Policy = POLICY
) -> Snapshot:
    """Everything read is dated on or before `as_of`; of these customers, or of all (None). A
    customer's figures are the same either way: its grade's prior pools every customer's payments."""
    if not FIRST_DAY <= as_of <= LAST_DAY:
        raise AsOfOutOfRange.of(as_of)
    invoices = await repository.open_invoices(session, as_of, customers)
    first = as_of - timedelta(days=policy.window_days)
    payers, paid = await repository.payments(session, first, as_of, customers)
    codes = payers + sorted(set(invoices.customers) - set(payers))
    index = {code: n for n, code in enumerate(codes)}
    grade_of = await repository.grades(session, codes)
    if customers is None:
        # Every customer's payments are at hand: pooled per grade here.
        grades = sorted(set(grade_of))
        pooled = Paid(
            np.array([grades.index(g) for g in grade_of], dtype=np.intp)[paid.customer],
            paid.paid_on,
            paid.due,
            paid.amount,
        )
    else:
        grades, pooled = await repository.peer_payments(session, first, as_of)
    # One row per grade, and a last one for a grade without payments: the portfolio's.
    table = peers(pooled, np.arange(len(grades), dtype=np.intp), len(grades) + 1, as_of, policy)
    grade_row = {grade: n for n, grade in enumerate(grades)}
    prior = table[[grade_row.get(g, len(grades)) for g in grade_of]]
    kept = np.zeros(len(codes), dtype=np.int64)
    broken = np.zeros(len(codes), dtype=np.int64)
    for code, was_kept, was_broken in await repository.promise_record(session, as_of, customers):
        if code in index:
            kept[index[code]], broken[index[code]] = was_kept, was_broken
    found = habits(paid, len(codes), prior, as_of, policy, kept, broken)
    disputed = await repository.disputed(session, as_of, customers)
    rows = np.array([index[code] for code in invoices.customers], dtype=np.intp)
    items = Items(
        habit=rows,
        due=invoices.due,
        amount=invoices.amount,
        promised=await _promised(session, as_of, customers, invoices),
        disputed=np.array(
            [(c, i) in disputed for c, i in zip(invoices.customers, invoices.item_ids, strict=True)]
            if disputed
            else np.zeros(len(rows), dtype=np.bool_),
            dtype=np.bool_,
        ),
    )
    return Snapshot(as_of, invoices, codes, found, items, Forecast(found, items, as_of))


async def _promised(
    session: AsyncSession, as_of: date, customers: list[str] | None, invoices: repository.OpenInvoices
) -> Days:
    """Each invoice's earliest promised date of the promises open then (a promise naming no
    invoice: all the customer's in its currency)."""
    named: dict[tuple[str, str], int] = {}
    whole: dict[tuple[str, str], int] = {}
    for code, item_ids, currency, promised in await repository.open_promises(session, as_of, customers):
        day = day_number(promised)
        keys = [((code, item), named) for item in json.loads(item_ids)] or [((code, currency), whole)]
        for key, into in keys:
            into[key] = min(into.get(key, day), day)
    promised_on = np.full(len(invoices.customers), NO_PROMISE, dtype=np.int64)
    promisers = {code for code, _ in named} | {code for code, _ in whole}
    for n, code in enumerate(invoices.customers):
        if code in promisers:
            item, currency = invoices.item_ids[n], invoices.currencies[n]
            days = [d for d in (named.get((code, item)), whole.get((code, currency))) if d is not None]
            if days:
                promised_on[n] = min(days)
    return promised_on


async def customer_predictions(session: AsyncSession, customer_code: str, as_of: date) -> Predictions:
    await customers.get(session, customer_code)
    shot = await snapshot(session, as_of, [customer_code])
    f = shot.forecast
    median, early, late = f.quantile(0.5), f.quantile(POLICY.band[0]), f.quantile(POLICY.band[1])
    by_due = f.paid_by(shot.items.due)
    within = f.paid_by(day_number(as_of) + WITHIN)
    alone = shot.unpromised().quantile(0.5)
    items = []
    order = sorted(
        range(len(shot.invoices.item_ids)), key=lambda n: (shot.items.due[n], shot.invoices.item_ids[n])
    )
    for n in order:
        item, currency = shot.invoices.item_ids[n], shot.invoices.currencies[n]
        disputed = bool(shot.items.disputed[n])
        promised = None if shot.items.promised[n] == NO_PROMISE else day_of(shot.items.promised[n])
        items.append(
            PredictedItem(
                item_id=item,
                currency=currency,
                due_date=day_of(shot.items.due[n]),
                open_amount=format_amount(Decimal(str(float(shot.items.amount[n]))), currency),
                days_overdue=max(0, day_number(as_of) - int(shot.items.due[n])),
                disputed=disputed,
                promised_date=promised,
                predicted_date=None if disputed else day_of(median[n]),
                earliest=None if disputed else day_of(early[n]),
                latest=None if disputed else day_of(late[n]),
                paid_by_due_date=None if disputed else round(float(by_due[n]), 4),
                unpaid_in_30_days=None if disputed else round(1 - float(within[n]), 4),
                promise_at_risk=promised is not None and not disputed and day_of(alone[n]) > promised,
            )
        )
    row = shot.customers.index(customer_code) if customer_code in shot.customers else None
    method = Method.model_validate(shot.habits.explain(row)) if row is not None else None
    return Predictions(customer_code=customer_code, as_of=as_of, method=method, items=items)


@dataclass(frozen=True)
class Cash:
    """The cash expected per (customer, currency) and week: `pairs[n]` is row n of `weeks`."""

    pairs: list[tuple[str, str]]
    weeks: Weeks
    disputed: dict[tuple[str, str], float]


async def cash_in(session: AsyncSession, as_of: date, weeks: int, customer: str | None = None) -> Cash:
    return cash_of(await snapshot(session, as_of, None if customer is None else [customer]), weeks)


def cash_of(shot: Snapshot, weeks: int) -> Cash:
    keys = list(zip(shot.invoices.customers, shot.invoices.currencies, strict=True))
    pairs = sorted(set(keys))
    row = {pair: n for n, pair in enumerate(pairs)}
    groups = np.array([row[k] for k in keys], dtype=np.intp)
    disputed: dict[tuple[str, str], float] = defaultdict(float)
    for n in np.flatnonzero(shot.items.disputed):
        disputed[keys[n]] += float(shot.items.amount[n])
    return Cash(pairs, weekly(shot.forecast, groups, len(pairs), weeks), dict(disputed))


@dataclass(frozen=True)
class PromiseAtRisk:
    customer_code: str
    item_id: str
    currency: str
    open_amount: float
    promised: date
    predicted: date  # by the habit alone


@dataclass(frozen=True)
class Outlook:
    """What the collectors' worklist weighs: each open invoice's chance of no payment within 30
    days (an invoice under dispute: 1), each customer's weighted by amount, and the promises whose
    predicted payment falls after them."""

    unpaid: dict[tuple[str, str], float]
    customers: dict[str, float]
    promises_at_risk: list[PromiseAtRisk]


async def outlook(session: AsyncSession, as_of: date, customers: list[str] | None = None) -> Outlook:
    """Of these customers and of every customer with a promise open (whose promises may be at
    risk), or of all (None): a worklist weighs a few customers, not the portfolio."""
    if customers is not None:
        promisers = {code for code, *_ in await repository.open_promises(session, as_of, None)}
        customers = sorted(set(customers) | promisers)
    shot = await snapshot(session, as_of, customers)
    paid = np.where(shot.items.disputed, 0.0, shot.forecast.paid_by(day_number(as_of) + WITHIN))
    keys = list(zip(shot.invoices.customers, shot.invoices.item_ids, strict=True))
    owed: dict[str, float] = defaultdict(float)
    unpaid: dict[str, float] = defaultdict(float)
    for (code, _), amount, chance in zip(keys, shot.items.amount, paid, strict=True):
        owed[code] += amount
        unpaid[code] += amount * (1 - chance)
    promised = np.flatnonzero((shot.items.promised != NO_PROMISE) & ~shot.items.disputed)
    alone = shot.unpromised().quantile(0.5) if len(promised) else np.zeros(0, dtype=np.int64)
    return Outlook(
        unpaid={key: 1 - float(chance) for key, chance in zip(keys, paid, strict=True)},
        customers={code: unpaid[code] / owed[code] for code in owed if owed[code] > 0},
        promises_at_risk=[
            PromiseAtRisk(
                keys[n][0],
                keys[n][1],
                shot.invoices.currencies[n],
                float(shot.items.amount[n]),
                day_of(shot.items.promised[n]),
                day_of(alone[n]),
            )
            for n in promised
            if alone[n] > shot.items.promised[n]
        ],
    )


async def backtest(session: AsyncSession, as_of: date, weeks: int = 13) -> Backtest:
    """Predictions from what was known on `as_of` against the payments after it: the mean absolute
    error in days of each invoice paid in full within the weeks, and the weekly cash-in error in %
    of the actual cash, for the model and for two baselines (the due date; the due date plus the
    customer's average days late), each no earlier than the day after `as_of`."""
    shot = await snapshot(session, as_of)
    until = as_of + timedelta(days=7 * weeks)
    codes, item_ids, days, amounts = await repository.paid_after(session, as_of, until)
    position = {
        key: n for n, key in enumerate(zip(shot.invoices.customers, shot.invoices.item_ids, strict=True))
    }
    count = len(position)
    paid = np.zeros(count)
    settled = np.full(count, NO_PROMISE, dtype=np.int64)
    cash_item, cash_day, cash_amount = [], [], []
    for code, item, day, amount in sorted(
        zip(codes, item_ids, days, amounts, strict=True), key=lambda r: r[2]
    ):
        n = position.get((code, item))
        if n is None:
            continue
        paid[n] += amount
        cash_item.append(n)
        cash_day.append(day)
        cash_amount.append(amount)
        if settled[n] == NO_PROMISE and paid[n] >= shot.items.amount[n] - 0.005:
            settled[n] = day
    keys = list(zip(shot.invoices.customers, shot.invoices.currencies, strict=True))
    currencies = sorted(set(c for _, c in keys))
    group = np.array([currencies.index(c) for _, c in keys], dtype=np.intp)
    live = ~shot.items.disputed
    actual = point_weeks(
        np.array(cash_day, dtype=np.int64),
        np.array(cash_amount),
        as_of,
        group[np.array(cash_item, dtype=np.intp)],
        len(currencies),
        weeks,
    )
    tomorrow = day_number(as_of) + 1
    average = np.nan_to_num(shot.habits.average_days_late[shot.items.habit]).round().astype(np.int64)
    baselines = {
        "due_date": np.maximum(shot.items.due, tomorrow),
        "due_date_plus_average_days_late": np.maximum(shot.items.due + average, tomorrow),
    }
    done = (settled != NO_PROMISE) & live

    def scores(dates: Days, cash: Floats) -> Scores:
        errors = np.abs(dates[done] - settled[done])
        return Scores(
            mean_absolute_error_days=round(float(errors.mean()), 2) if len(errors) else None,
            weekly_error_percent=None if (e := weekly_error(cash, actual)) is None else round(e, 2),
        )

    owed = np.where(live, shot.items.amount, 0.0)
    model = weekly(shot.forecast, group, len(currencies), weeks).expected
    return Backtest(
        as_of=as_of,
        weeks=weeks,
        invoices=count,
        paid_in_full=int(done.sum()),
        model=scores(shot.forecast.quantile(0.5), model),
        baselines={
            name: scores(dates, point_weeks(dates, owed, as_of, group, len(currencies), weeks))
            for name, dates in baselines.items()
        },
    )
