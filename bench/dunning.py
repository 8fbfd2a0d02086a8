"""The daily dunning run over BENCH_DUNNING_ITEMS open invoices (default 100,000) in a tenth as many
customers, graded A to E or not at all, a third of the invoices part-paid. Beside it, in the same
process, the floor: the same reads without planning or writing."""

from __future__ import annotations

import asyncio
import os
import time
from datetime import date, timedelta
from decimal import Decimal

import asyncpg

from bench.common import ITEM_COLUMNS, MOVEMENT_COLUMNS, fresh_database
from services.credit_api import handlers
from services.credit_api.collections.dunning import repository
from services.credit_api.collections.dunning.service import run
from services.credit_api.collections.receivables import repository as ledger
from services.credit_api.kernel.settings import ApiSettings
from shared.db import make_engine, make_sessionmaker

ITEMS = int(os.environ.get("BENCH_DUNNING_ITEMS", "100000"))
PER_CUSTOMER = 10
GRADES = ("A", "B", "C", "D", "E", None)
GOAL = "goal: none set in the brief; the daily run must fit comfortably in a night"


async def seed(database_url: str, today: date) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        codes = [f"D{n:05}" for n in range(ITEMS // PER_CUSTOMER)]
        await conn.copy_records_to_table(
            "customers",
            schema_name="credit_api",
            columns=["customer_code", "name", "currency", "grade", "contacts"],
            records=[
                (
                    c,
                    c,
                    "EUR",
                    GRADES[n % len(GRADES)],
                    f'{{"accounts_payable_email": "ap@{c.lower()}.example"}}',
                )
                for n, c in enumerate(codes)
            ],
        )
        items, movements = [], []
        for n, code in enumerate(codes):
            for i in range(PER_CUSTOMER):
                due = today - timedelta(days=(n * 7 + i * 13) % 100 - 10)
                amount = Decimal(100 + (n + i) % 900)
                open_amount = amount if (n + i) % 3 else amount / 2
                items.append(
                    (
                        code,
                        f"I{i}",
                        "invoice",
                        "EUR",
                        amount,
                        open_amount,
                        due - timedelta(days=30),
                        due,
                        "open",
                    )
                )
                movements.append((code, "item", f"I{i}", "EUR", amount, due - timedelta(days=30), due))
                if open_amount != amount:
                    movements.append(
                        (code, "item", f"I{i}", "EUR", open_amount - amount, due + timedelta(days=5), due)
                    )
        await conn.copy_records_to_table(
            "open_items",
            schema_name="risk_worker",
            columns=ITEM_COLUMNS,
            records=items,
        )
        await conn.copy_records_to_table(
            "movements",
            schema_name="risk_worker",
            columns=MOVEMENT_COLUMNS,
            records=movements,
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


async def main() -> None:
    today = date.today()
    database_url = await fresh_database("credence_bench_dunning")
    await seed(database_url, today)
    settings = ApiSettings.model_validate({"database_url": database_url})
    engine = make_engine(database_url, pool_size=2)
    handlers.register()
    sessions = make_sessionmaker(engine)
    try:
        started = time.perf_counter()
        async with sessions() as session, session.begin():
            rows = await repository.open_invoices(session, today + timedelta(days=10))
            codes = sorted({r.customer_code for r in rows})
            await repository.history(session, codes)
            await repository.last_notices(session, codes)
            await ledger.reductions(
                session, [(r.customer_code, r.item_id) for r in rows if r.due_date < today]
            )
        floor = time.perf_counter() - started
        started = time.perf_counter()
        async with sessions() as session, session.begin():
            result = await run(session, today, settings)
        elapsed = time.perf_counter() - started
        started = time.perf_counter()
        async with sessions() as session, session.begin():
            again = await run(session, today + timedelta(days=1), settings)
        next_day = time.perf_counter() - started
    finally:
        await engine.dispose()
    customers = ITEMS // PER_CUSTOMER
    cpus = os.cpu_count()
    print(f"\nbench/dunning.py: {ITEMS:,} open invoices, {customers:,} customers, {today}, {cpus} CPUs")
    first = f"{result.notices:,} notices, {result.tasks:,} tasks, {result.customers:,} customers"
    print(f"  dunning run, first day        {elapsed:6.1f} s   {first}")
    after = f"{again.notices:,} notices, {again.tasks:,} tasks"
    print(f"  dunning run, the day after    {next_day:6.1f} s   {after}")
    print(f"  floor: the same reads only    {floor:6.1f} s")
    print(f"  {GOAL}")


if __name__ == "__main__":
    asyncio.run(main())
