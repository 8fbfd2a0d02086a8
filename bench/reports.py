"""Every finance report over BENCH_REPORT_ITEMS open invoices (default 1,000,000) in a hundredth as
many customers, with two years of paid history behind them (as many paid invoices again, each with
its payment in the journal) and a write-off now and then. Beside the reports, in the same process,
the floor: one plain scan of the items and one of the journal, which no report can beat."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import asyncpg

from bench.common import ITEM_COLUMNS, MOVEMENT_COLUMNS, fresh_database
from services.credit_api.finance.reports import (
    abc as abc_report,
)
from services.credit_api.finance.reports import (
    dso as dso_report,
)
from services.credit_api.finance.reports import (
    insurance as insurance_report,
)
from services.credit_api.finance.reports import (
    provisions as provisions_report,
)
from services.credit_api.finance.reports import (
    top_risks as top_risks_report,
)
from services.credit_api.finance.reports import (
    turnover as turnover_report,
)
from shared.db import make_engine, make_sessionmaker

ITEMS = int(os.environ.get("BENCH_REPORT_ITEMS", "1000000"))
PER_CUSTOMER = 100
GRADES = ("A", "B", "C", "D", "E", None)
INDUSTRIES = ("machinery", "retail", "chemicals", "food", "textiles")
GOAL = 5.0  # seconds per report, from the brief


def customer_rows(n: int, code: str, today: date) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    items: list[tuple[Any, ...]] = []
    movements: list[tuple[Any, ...]] = []
    for i in range(PER_CUSTOMER):
        # Open: issued over the last 150 days, a third part-paid.
        issued = today - timedelta(days=(n * 7 + i * 13) % 150)
        due = issued + timedelta(days=30)
        amount = Decimal(100 + (n + i) % 900)
        open_amount = amount if (n + i) % 3 else amount / 2
        items.append((code, f"O{i}", "invoice", "EUR", amount, open_amount, issued, due, "open", None))
        movements.append((code, "item", f"O{i}", "EUR", amount, issued, due))
        if open_amount != amount:
            paid = open_amount - amount
            movements.append((code, "item", f"O{i}", "EUR", paid, due + timedelta(days=3), due))
        # History: issued over the two years before, paid up to 130 days after the due date; one in
        # fifty written off instead.
        issued = today - timedelta(days=150 + (n * 11 + i * 7) % 580)
        due = issued + timedelta(days=30)
        settled = due + timedelta(days=(n * 3 + i * 17) % 131)
        status = "written_off" if (n + i) % 50 == 0 else "open"
        items.append((code, f"H{i}", "invoice", "EUR", amount, Decimal(0), issued, due, status, settled))
        movements.append((code, "item", f"H{i}", "EUR", amount, issued, due))
        movements.append((code, "item", f"H{i}", "EUR", -amount, settled, due))
    return items, movements


async def seed(database_url: str, today: date) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        codes = [f"R{n:05}" for n in range(ITEMS // PER_CUSTOMER)]
        await conn.copy_records_to_table(
            "customers",
            schema_name="credit_api",
            columns=["customer_code", "name", "currency", "grade", "industry", "country"],
            records=[
                (c, c, "EUR", GRADES[n % len(GRADES)], INDUSTRIES[n % len(INDUSTRIES)], "DE")
                for n, c in enumerate(codes)
            ],
        )
        for first in range(0, len(codes), 1000):
            items: list[tuple[Any, ...]] = []
            movements: list[tuple[Any, ...]] = []
            for n in range(first, min(first + 1000, len(codes))):
                more_items, more_movements = customer_rows(n, codes[n], today)
                items += more_items
                movements += more_movements
            await conn.copy_records_to_table(
                "open_items", schema_name="risk_worker", columns=[*ITEM_COLUMNS, "settled_on"], records=items
            )
            await conn.copy_records_to_table(
                "movements", schema_name="risk_worker", columns=MOVEMENT_COLUMNS, records=movements
            )
        await conn.execute(
            "INSERT INTO credit_api.insurance_policies (policy_number, insurer, indemnity, currency, "
            "valid_from, discretionary_limit, created_by) "
            "VALUES ('B-1', 'Bench Insurer', 0.9, 'EUR', '2020-01-01', 5000, 'bench')"
        )
        await conn.execute(
            "INSERT INTO credit_api.insurance_covers (id, policy_number, customer_code, amount, valid_from, "
            "decision_ref, created_by) SELECT gen_random_uuid(), 'B-1', customer_code, 20000, '2020-01-01', "
            "'D-' || customer_code, 'bench' FROM credit_api.customers "
            "WHERE right(customer_code, 1) IN ('0', '5')"
        )
        # As autovacuum leaves a live ledger: hint bits set and the visibility map built, so the
        # reports are timed on the tables a running system has, not on pages straight from COPY.
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


async def main() -> None:
    today = date.today()
    database_url = await fresh_database("credence_bench_reports")
    started = time.perf_counter()
    await seed(database_url, today)
    seeding = time.perf_counter() - started
    engine = make_engine(database_url, pool_size=2)
    sessions = make_sessionmaker(engine)
    results: list[tuple[str, float, str]] = []

    async def timed(
        name: str, report: Callable[[Any], Awaitable[dict[str, Any]]], say: Callable[[dict[str, Any]], str]
    ) -> None:
        async with sessions() as session:
            began = time.perf_counter()
            produced = await report(session)
            results.append((name, time.perf_counter() - began, say(produced)))

    try:
        conn = await asyncpg.connect(database_url)
        try:
            began = time.perf_counter()
            items = await conn.fetchval("SELECT count(*) FROM risk_worker.open_items WHERE open_amount <> 0")
            journal = await conn.fetchval("SELECT count(*) FROM risk_worker.movements")
            floor = time.perf_counter() - began
        finally:
            await conn.close()
        await timed(
            "dso (portfolio)",
            lambda s: dso_report.report(s, today, 90, "portfolio", "EUR"),
            lambda r: f"DSO {r['rows'][0]['dso']}, countback {r['rows'][0]['countback_dso']}",
        )
        await timed(
            "dso (by customer)",
            lambda s: dso_report.report(s, today, 90, "customer", "EUR"),
            lambda r: f"{len(r['rows']):,} rows",
        )
        await timed(
            "turnover (12 months, by industry)",
            lambda s: turnover_report.report(s, today, 12, "industry", "EUR"),
            lambda r: f"{len(r['rows'])} rows, turnover {r['rows'][0]['turnover']}",
        )
        await timed(
            "provisions (matrix)",
            lambda s: provisions_report.report(s, today, "portfolio", "EUR"),
            lambda r: f"provision {r['rows'][0]['provision']}",
        )
        await timed(
            "provisions (roll rates, 12 months)",
            lambda s: provisions_report.report(s, today, "portfolio", "EUR", method="roll_rate"),
            lambda r: "rates " + ", ".join(f"{b} {v}" for b, v in r["rates"]["buckets"].items()),
        )
        await timed(
            "provisions (roll rates, by grade)",
            lambda s: provisions_report.report(s, today, "grade", "EUR", method="roll_rate"),
            lambda r: f"{len(r['rows'])} rows",
        )
        await timed(
            "provisions (roll rates segmented by grade)",
            lambda s: provisions_report.report(
                s, today, "grade", "EUR", method="roll_rate", segment_by="grade"
            ),
            lambda r: f"{len(r['rates']['segments'])} segments, {len(r['rates']['fallbacks'])} fell back",
        )
        await timed(
            "abc (365 days)",
            lambda s: abc_report.report(s, today, 365, Decimal("0.8"), Decimal("0.95"), "EUR"),
            lambda r: f"{sum(1 for x in r['rows'] if x['abc_class'] == 'A'):,} A customers",
        )
        await timed(
            "insurance (by customer)",
            lambda s: insurance_report.report(s, today, "customer", "EUR"),
            lambda r: f"{len(r['over_cover']):,} over cover",
        )
        await timed(
            "top risks (20)",
            lambda s: top_risks_report.report(s, today, "EUR", 20, Decimal("0.45")),
            lambda r: f"expected loss {r['total_expected_loss']}",
        )
    finally:
        await engine.dispose()
    customers = ITEMS // PER_CUSTOMER
    print(
        f"\nbench/reports.py: {ITEMS:,} open invoices and {ITEMS:,} paid over two years, "
        f"{customers:,} customers, {journal:,} journal lines, {today}, {os.cpu_count()} CPUs "
        f"(seeded in {seeding:.0f} s)"
    )
    print(f"  floor: count {items:,} open items and the journal      {floor:6.2f} s")
    for name, elapsed, said in results:
        verdict = "ok" if elapsed <= GOAL else f"over the {GOAL:.0f} s goal"
        print(f"  {name:<36} {elapsed:6.2f} s   {verdict}; {said}")


if __name__ == "__main__":
    asyncio.run(main())
