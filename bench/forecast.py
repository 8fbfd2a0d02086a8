"""Payment predictions for BENCH_FORECAST_ITEMS open invoices (default 1,000,000) and the 13-week
cash-in forecast from them, over a ledger generated with known payment habits; beside it, in the
same process, the floor: the open invoices only read. Then the backtest as of 13 weeks before
today on a smaller ledger of three years (BENCH_BACKTEST_CUSTOMERS, default 400), with the model's
errors beside the two naive baselines'.

The ledger's customers pay by one of four habits, a quarter each:
- regular: a customer's own lateness (−3 to 20 days), give or take 3 days;
- slipping: the same, 1.5 days later each month;
- month-end: on the last day of the month, 0 to 12 days after the due date;
- promise breaker: about 45 days late; ten days after each due date it promises to pay ten days
  later, and keeps it only when it happens to pay by then."""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import asyncpg
import numpy as np

from bench.common import ITEM_COLUMNS, fresh_database
from services.credit_api.credit.payment_predictions import repository
from services.credit_api.credit.payment_predictions import service as predictions
from shared.db import make_engine, make_sessionmaker

HABITS = ("regular", "slipping", "month_end", "promise_breaker")
GRADES = ("A", "B", "C", "D")
ITEMS = int(os.environ.get("BENCH_FORECAST_ITEMS", "1000000"))
BACKTEST_CUSTOMERS = int(os.environ.get("BENCH_BACKTEST_CUSTOMERS", "400"))
GOAL = "goal: predictions for 1,000,000 open items and the 13-week forecast ≤ 10 s"
MOVEMENTS = [
    "customer_code",
    "account",
    "item_id",
    "currency",
    "amount",
    "effective_date",
    "due_date",
    "kind",
]
PROMISES = [
    "id", "customer_code", "item_ids", "amount", "currency", "promised_date", "made_on", "channel",
    "status", "settled_on", "created_by",
]  # fmt: skip


@dataclass
class Ledger:
    customers: list[tuple[Any, ...]] = field(default_factory=list)
    items: list[tuple[Any, ...]] = field(default_factory=list)
    movements: list[tuple[Any, ...]] = field(default_factory=list)
    promises: list[tuple[Any, ...]] = field(default_factory=list)


def _month_end(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def invoices(first: date, last: date, per_month: int, rng: random.Random) -> Iterator[tuple[date, date]]:
    """(issue, due) of a customer's invoices, `per_month` a month, 30 days' terms."""
    month = first.replace(day=1)
    while month <= last:
        for _ in range(per_month):
            issued = month + timedelta(days=rng.randrange(28))
            if first <= issued <= last:
                yield issued, issued + timedelta(days=30)
        month = (month + timedelta(days=32)).replace(day=1)


def paid_on(habit: str, own: float, due: date, first: date, rng: random.Random) -> date:
    if habit == "regular":
        return due + timedelta(days=round(rng.gauss(own, 3)))
    if habit == "slipping":
        return due + timedelta(days=round(own + 0.05 * (due - first).days + rng.gauss(0, 3)))
    if habit == "month_end":
        return _month_end(due + timedelta(days=rng.randrange(13)))
    return due + timedelta(days=round(rng.gauss(45, 8)))


def generate(customers: int, per_month: int, first: date, today: date, seed: int = 7) -> Ledger:
    """Invoices issued from `first` to `today`, each paid by its customer's habit (open when that
    day is after `today`)."""
    rng = random.Random(seed)
    ledger = Ledger()
    for n in range(customers):
        code, habit = f"F{n:06}", HABITS[n % len(HABITS)]
        ledger.customers.append((code, f"Forecast customer {n}", "EUR", GRADES[rng.randrange(len(GRADES))]))
        own = rng.uniform(-3, 20)
        for k, (issued, due) in enumerate(invoices(first, today, per_month, rng)):
            item, amount = f"I{k}", round(rng.uniform(200, 5000), 2)
            paid = paid_on(habit, own, due, first, rng)
            settled = paid <= today
            owed, status, closed = (0, "closed", paid) if settled else (amount, "open", None)
            ledger.items.append((code, item, "invoice", "EUR", amount, owed, issued, due, status, closed))
            ledger.movements.append((code, "item", item, "EUR", amount, issued, due, "invoice"))
            if settled:
                ledger.movements.append((code, "item", item, "EUR", -amount, paid, due, "payment"))
            made, promised = due + timedelta(days=10), due + timedelta(days=20)
            if habit == "promise_breaker" and made <= today:
                kept = paid <= promised
                ended = paid if kept else promised + timedelta(days=1)
                status = ("kept" if kept else "broken") if ended <= today else "open"
                promise = uuid.UUID(f"00000000-0000-4000-8000-{n:06}{k:06}")
                ledger.promises.append(
                    (promise, code, json.dumps([item]), amount, "EUR", promised, made, "phone", status,
                     ended if ended <= today else None, "bench")
                )  # fmt: skip
    return ledger


async def seed(database_url: str, ledger: Ledger) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        await conn.copy_records_to_table(
            "customers",
            schema_name="credit_api",
            columns=["customer_code", "name", "currency", "grade"],
            records=ledger.customers,
        )
        await conn.copy_records_to_table(
            "open_items",
            schema_name="risk_worker",
            columns=[*ITEM_COLUMNS, "settled_on"],
            records=ledger.items,
        )
        await conn.copy_records_to_table(
            "movements", schema_name="risk_worker", columns=MOVEMENTS, records=ledger.movements
        )
        await conn.copy_records_to_table(
            "promises",
            schema_name="credit_api",
            columns=PROMISES,
            records=ledger.promises,
        )
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


async def main() -> None:
    today = date.today()
    # Four months of invoices, 25 a month: about 40 of each customer's hundred still open.
    customers = max(-(-ITEMS // 40), 1)
    database_url = await fresh_database("credence_bench_forecast")
    started = time.perf_counter()
    ledger = generate(customers, 25, today - timedelta(days=120), today)
    await seed(database_url, ledger)
    seeded = time.perf_counter() - started
    open_items = sum(1 for i in ledger.items if i[8] == "open")
    engine = make_engine(database_url, pool_size=2)
    sessions = make_sessionmaker(engine)
    try:
        async with sessions() as session:
            started = time.perf_counter()
            await repository.open_invoices(session, today, None)
            floor = time.perf_counter() - started
            started = time.perf_counter()
            shot = await predictions.snapshot(session, today)
            dates = [shot.forecast.quantile(q) for q in (0.1, 0.5, 0.9)]
            cash = predictions.cash_of(shot, 13)
            elapsed = time.perf_counter() - started
    finally:
        await engine.dispose()
    print(
        f"\nbench/forecast.py: {open_items:,} open invoices of {customers:,} customers, "
        f"{len(ledger.movements):,} journal lines (seeded in {seeded:.0f} s), {os.cpu_count()} CPUs"
    )
    print(f"  predictions (3 percentiles) and 13-week forecast   {elapsed:6.1f} s")
    print(f"  floor: the open invoices read                      {floor:6.1f} s")
    expected = float(np.sum(cash.weeks.expected[:, :13]))
    print(f"  expected in 13 weeks {expected:,.0f} of {float(np.sum(shot.items.amount)):,.0f} open; "
          f"{len(dates[1]):,} dates; {GOAL}: {'met' if elapsed <= 10 else 'not met'}")  # fmt: skip
    await backtest(today)


async def backtest(today: date) -> None:
    database_url = await fresh_database("credence_bench_backtest")
    await seed(database_url, generate(BACKTEST_CUSTOMERS, 4, today - timedelta(days=3 * 365), today))
    as_of = today - timedelta(weeks=13)
    engine = make_engine(database_url, pool_size=2)
    sessions = make_sessionmaker(engine)
    try:
        async with sessions() as session:
            result = await predictions.backtest(session, as_of)
    finally:
        await engine.dispose()
    print(f"\n{BACKTEST_CUSTOMERS} customers over three years, four habits a quarter each")
    print("\n".join(f"  {line}" for line in result.lines()))


if __name__ == "__main__":
    asyncio.run(main())
