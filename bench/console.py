"""Server-side render time of each console page with BENCH_CONSOLE_CUSTOMERS customers (default
10,000), ten open invoices each, in-process (the browser's share is not measured), and of the
portfolio's cash chart, which the page fetches once it shows. Beside it, in the same process, the
floor: the sign-in page, which reads nothing but the templates."""

from __future__ import annotations

import asyncio
import os
import re
import statistics
import time
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import httpx

from bench.common import ITEM_COLUMNS, MOVEMENT_COLUMNS, fresh_database
from services.credit_api.access.users.service import create
from services.credit_api.app import create_app
from services.credit_api.kernel.settings import ApiSettings
from shared.db import one_transaction
from shared.roles import Role

CUSTOMERS = int(os.environ.get("BENCH_CONSOLE_CUSTOMERS", "10000"))
PER_CUSTOMER = 10
RUNS = 7
GOAL_MS = 300
GRADES = ("A", "B", "C", "D", "E", None)
PASSWORD = "bench passphrase 2026"
# A page's part that the page fetches after it shows: timed, not held to a page's goal.
AFTER_THE_PAGE = {"portfolio: cash chart"}


async def seed(database_url: str, today: date) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        codes = [f"K{n:05}" for n in range(CUSTOMERS)]
        await conn.copy_records_to_table(
            "customers",
            schema_name="credit_api",
            columns=["customer_code", "name", "currency", "grade", "industry", "country"],
            records=[
                (c, f"Customer {c}", "EUR", GRADES[n % 6], "machinery", "DE") for n, c in enumerate(codes)
            ],
        )
        items: list[tuple[Any, ...]] = []
        movements: list[tuple[Any, ...]] = []
        for n, code in enumerate(codes):
            for i in range(PER_CUSTOMER):
                issued = today - timedelta(days=(n + i * 17) % 150)
                amount = Decimal(100 + (n * 7 + i) % 900)
                row = (
                    code,
                    f"I{i}",
                    "invoice",
                    "EUR",
                    amount,
                    amount,
                    issued,
                    issued + timedelta(days=30),
                    "open",
                )
                items.append(row)
                movements.append((code, "item", f"I{i}", "EUR", amount, issued, issued + timedelta(days=30)))
        await conn.copy_records_to_table(
            "open_items", schema_name="risk_worker", columns=ITEM_COLUMNS, records=items
        )
        await conn.copy_records_to_table(
            "movements", schema_name="risk_worker", columns=MOVEMENT_COLUMNS, records=movements
        )
        await conn.execute(
            "INSERT INTO risk_worker.balances (customer_code, currency, open_receivables) "
            "SELECT customer_code, currency, sum(open_amount) FROM risk_worker.open_items GROUP BY 1, 2"
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    async with one_transaction(database_url) as session:
        await create(session, Role.ADMIN, "Bench", "bench@example.com", PASSWORD)


async def main() -> None:
    today = date.today()
    database_url = await fresh_database("credence_bench_console")
    await seed(database_url, today)
    settings = ApiSettings.model_validate(
        {"database_url": database_url, "consume_events": False, "dunning_daily": False}
    )
    app = create_app(settings)
    pages = {
        "portfolio": "/console/",
        "portfolio: cash chart": "/console/portfolio/cash-chart",
        "customers (by exposure)": "/console/customers?sort=exposure",
        "customers (by utilisation)": "/console/customers?sort=utilisation",
        "customers (warning level)": "/console/customers?level=watch&sort=overdue",
        "customers (search)": "/console/customers?q=K04",
        "customer": "/console/customers/K04242",
        "approvals": "/console/approvals",
        "holds": "/console/holds",
        "alerts": "/console/alerts",
        "reports": "/console/reports",
        "worklist": "/console/worklist",
        "operations": "/console/operations",
    }
    timings: dict[str, list[float]] = {}
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://console") as client,
    ):
        form = await client.get("/console/sign-in")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert csrf is not None
        signed = await client.post(
            "/console/sign-in",
            data={"email": "bench@example.com", "password": PASSWORD, "csrf": csrf.group(1)},
        )
        assert signed.status_code == 303, signed.text
        for name, path in {"floor: sign-in page": "/console/sign-in", **pages}.items():
            for _ in range(RUNS):
                began = time.perf_counter()
                answer = await client.get(path)
                timings.setdefault(name, []).append((time.perf_counter() - began) * 1000)
                assert answer.status_code == 200, (path, answer.status_code)
    print(
        f"\nbench/console.py: {CUSTOMERS:,} customers, {CUSTOMERS * PER_CUSTOMER:,} open invoices, "
        f"{today}, {os.cpu_count()} CPUs; median of {RUNS} renders (goal {GOAL_MS} ms)"
    )
    for name, values in timings.items():
        median = statistics.median(values)
        if name.startswith("floor"):
            verdict = ""
        elif name in AFTER_THE_PAGE:
            verdict = "fetched once the page shows"
        else:
            verdict = "ok" if median <= GOAL_MS else "over the goal"
        print(f"  {name:<28} {median:7.1f} ms  {verdict}")


if __name__ == "__main__":
    asyncio.run(main())
