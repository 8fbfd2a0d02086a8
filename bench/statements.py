"""The monthly statement run for BENCH_STATEMENTS_CUSTOMERS customers (default 10,000), each with
four invoices and a payment last month and an accounts-payable address: one PDF each. Beside it,
in the same process, the floor: the same statements built as JSON, without a PDF."""

from __future__ import annotations

import asyncio
import os
import time
from datetime import date, timedelta
from decimal import Decimal

import asyncpg

from bench.common import ITEM_COLUMNS, MOVEMENT_COLUMNS, fresh_database
from services.credit_api import handlers
from services.credit_api.finance.statements.service import customer_statement, run
from services.credit_api.kernel.settings import ApiSettings
from shared.db import make_engine, make_sessionmaker

CUSTOMERS = int(os.environ.get("BENCH_STATEMENTS_CUSTOMERS", "10000"))
INVOICES = 4
GOAL = "goal: statements (PDF) for 10,000 customers in one run ≤ 60 s"


async def seed(database_url: str, start: date) -> list[str]:
    conn = await asyncpg.connect(database_url)
    try:
        codes = [f"S{n:05}" for n in range(CUSTOMERS)]
        await conn.copy_records_to_table(
            "customers",
            schema_name="credit_api",
            columns=["customer_code", "name", "currency", "language", "contacts"],
            records=[
                (
                    c,
                    f"Customer {c}",
                    "EUR",
                    "zh-CN" if n % 3 == 0 else "en",
                    f'{{"accounts_payable_email": "ap@{c}.example"}}',
                )
                for n, c in enumerate(codes)
            ],
        )
        items, movements = [], []
        for n, code in enumerate(codes):
            for i in range(INVOICES):
                issued = start + timedelta(days=(n + i * 7) % 28)
                amount = Decimal(100 + (n * 7 + i * 131) % 900)
                paid = i == 0
                items.append((code, f"I{i}", "invoice", "EUR", amount, Decimal(0) if paid else amount,
                              issued, issued + timedelta(days=30), "closed" if paid else "open"))  # fmt: skip
                movements.append((code, "item", f"I{i}", "EUR", amount, issued, issued + timedelta(days=30),
                                  "invoice", f"I{i}"))  # fmt: skip
                if paid:
                    movements.append((code, "item", f"I{i}", "EUR", -amount, issued + timedelta(days=1),
                                      issued + timedelta(days=30), "payment", f"P{i}"))  # fmt: skip
        await conn.copy_records_to_table(
            "open_items", schema_name="risk_worker", columns=ITEM_COLUMNS, records=items
        )
        await conn.copy_records_to_table(
            "movements",
            schema_name="risk_worker",
            columns=[*MOVEMENT_COLUMNS, "kind", "document_id"],
            records=movements,
        )
        await conn.execute("ANALYZE")
        return codes
    finally:
        await conn.close()


async def main() -> None:
    as_of = date.today().replace(day=1)  # the default policy's day: the 1st, for the month before
    start = (as_of - timedelta(days=1)).replace(day=1)
    database_url = await fresh_database("credence_bench_statements")
    codes = await seed(database_url, start)
    settings = ApiSettings.model_validate({"database_url": database_url, "company_name": "Muster Handel AG"})
    engine = make_engine(database_url, pool_size=2)
    handlers.register()
    sessions = make_sessionmaker(engine)
    try:
        started = time.perf_counter()
        async with sessions() as session:
            for code in codes:
                await customer_statement(session, code, start, as_of - timedelta(days=1))
        floor = time.perf_counter() - started
        started = time.perf_counter()
        async with sessions() as session, session.begin():
            result = await run(session, as_of, settings)
        elapsed = time.perf_counter() - started
    finally:
        await engine.dispose()
    print(
        f"\nbench/statements.py: {CUSTOMERS:,} customers, {INVOICES} invoices each, {as_of}, "
        f"{os.cpu_count()} CPUs"
    )
    each = elapsed / max(result.sent, 1) * 1000
    print(
        f"  statement run (PDF)           {elapsed:7.1f} s   {result.sent:,} statements, {each:.0f} ms each"
    )
    print(f"  floor: the same as JSON only  {floor:7.1f} s   {floor / CUSTOMERS * 1000:.1f} ms each")
    verdict = "met" if each * 10 <= 60 else "not met"
    print(f"  at this rate, 10,000 customers take {each * 10:.0f} s; {GOAL}: {verdict}")


if __name__ == "__main__":
    asyncio.run(main())
