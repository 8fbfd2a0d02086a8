"""Reassessing every customer after a scorecard change: BENCH_CUSTOMERS customers (default 100,000),
each with invoices paid or open and one in five with a financial statement. Beside it, in the same
process, two floors: reading the same inputs without scoring or writing, and scoring the same
inputs without any I/O."""

from __future__ import annotations

import asyncio
import json
import os
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import asyncpg

from bench.common import fresh_database
from services.risk_worker.assessments import repository
from services.risk_worker.assessments.service import CHUNK, Policies, Publish, reassess_everyone
from shared import scorecards
from shared.db import make_engine, make_sessionmaker
from shared.domain import behaviour, scorecard
from shared.domain.financials import AMOUNT_FIELDS

CUSTOMERS = int(os.environ.get("BENCH_CUSTOMERS", "100000"))
INVOICES = 5
GOAL = "goal: none set; reported with the floors below"


async def seed(database_url: str, today: date) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        codes = [f"S{n:06}" for n in range(CUSTOMERS)]
        await conn.copy_records_to_table(
            "customers",
            schema_name="credit_api",
            columns=["customer_code", "name", "currency", "country", "industry", "customer_since"],
            records=[
                (
                    c,
                    c,
                    "EUR",
                    ("DE", "FR", "CN", "BR")[n % 4],
                    ("wholesale", "manufacturing", "retail")[n % 3],
                    date(2010 + n % 15, 1, 1),
                )
                for n, c in enumerate(codes)
            ],
        )
        items = []
        for n, code in enumerate(codes):
            amount = Decimal(1000 + n % 900)
            for i in range(INVOICES):
                due = today - timedelta(days=30 * i + n % 30)
                paid = due + timedelta(days=(n + i) % 60)
                settled = paid if i and paid <= today else None
                row = (code, f"I{i}", "invoice", "EUR", amount, Decimal(0) if settled else amount)
                items.append((*row, due - timedelta(days=30), due, "open", settled))
        await conn.copy_records_to_table(
            "open_items",
            schema_name="risk_worker",
            columns=[
                "customer_code", "item_id", "item_type", "currency", "amount", "open_amount", "issue_date",
                "due_date", "status", "settled_on",
            ],
            records=items,
        )  # fmt: skip
        figures = dict.fromkeys(AMOUNT_FIELDS, Decimal(0)) | {
            "current_assets": Decimal(500_000),
            "inventory": Decimal(200_000),
            "total_assets": Decimal(1_000_000),
            "current_liabilities": Decimal(250_000),
            "total_liabilities": Decimal(600_000),
            "equity": Decimal(400_000),
            "retained_earnings": Decimal(150_000),
            "revenue": Decimal(2_000_000),
            "ebit": Decimal(120_000),
            "interest_expense": Decimal(30_000),
            "net_income": Decimal(60_000),
            "operating_cash_flow": Decimal(100_000),
        }
        await conn.copy_records_to_table(
            "financial_statements",
            schema_name="risk_worker",
            columns=["customer_code", "period_end", "period_months", "currency", "audited", *AMOUNT_FIELDS],
            records=[(c, date(2025, 12, 31), 12, "EUR", True, *figures.values()) for c in codes[::5]],
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


async def activate(database_url: str, version: str, document: dict[str, object]) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("UPDATE credit_api.scorecards SET active = false WHERE active")
        await conn.execute(
            "INSERT INTO credit_api.scorecards (version, document, active, created_by, activated_at) "
            "VALUES ($1, $2::jsonb, true, 'bench', now())",
            version,
            json.dumps(document),
        )
    finally:
        await conn.close()


async def main() -> None:
    database_url = await fresh_database("credence_bench_assessment")
    today = datetime.now(UTC).date()
    await seed(database_url, today)
    engine = make_engine(database_url, pool_size=2)
    sessions = make_sessionmaker(engine)
    publish = Publish("credence/bench", "bench.risk")
    policies = Policies()
    try:
        await reassess_everyone(sessions, as_of=today, trigger="daily", publish=publish, policies=policies)
        document = scorecards.default_document()
        document["grades"][1]["min_score"] = 70  # fewer Bs: many customers change grade
        await activate(database_url, "bench-strict", document)
        started = time.perf_counter()
        _, assessed, changed = await reassess_everyone(
            sessions, as_of=today, trigger="scorecard", publish=publish, policies=policies, progress=True
        )
        full = time.perf_counter() - started

        # Floor 1: the same reads, chunk by chunk, without scoring or writing.
        started = time.perf_counter()
        after, inputs = "", []
        since = behaviour.months_before(today, 12)
        while True:
            async with sessions() as session, session.begin():
                codes = await repository.all_customers(session, after, CHUNK)
                if not codes:
                    break
                facts = await repository.customers(session, codes)
                inputs.append(
                    (
                        facts,
                        await repository.statements(session, codes),
                        await repository.invoices(session, codes, since),
                        await repository.bounced(session, codes, since),
                        await repository.fx_rates(session, today),
                        await repository.current(session, codes),
                    )
                )
                after = codes[-1]
        reads = time.perf_counter() - started
    finally:
        await engine.dispose()

    # Floor 2: scoring the inputs read above, no I/O.
    card = scorecards.parse(document, "bench-strict")
    started = time.perf_counter()
    for facts, statements, invoices, bounced, _rates, _ in inputs:
        for code, f in facts.items():
            subject = scorecard.Subject(
                customer_code=code,
                currency=f.currency,
                behaviour=behaviour.assess(
                    [i for _, i in invoices.get(code, [])], bounced.get(code, []), today, card.behaviour
                ),
                statement=next(iter(statements.get(code, [])), None),
                industry=f.industry,
                country=f.country,
                customer_since=f.customer_since,
            )
            scorecard.explain(scorecard.assess(card, subject, today, lambda x, _c: x), str)
    scoring = time.perf_counter() - started
    print(f"\nbench/assessment.py: {CUSTOMERS:,} customers, {INVOICES} invoices each, {os.cpu_count()} CPUs")
    print(
        f"  reassess everyone after a scorecard change  {full:7.1f} s  {assessed / full:7.0f} customers/s "
        f"({changed:,} changed grade or score)"
    )
    print(
        f"  floor: the same reads only                  {reads:7.1f} s  {assessed / reads:7.0f} customers/s"
    )
    print(
        f"  floor: the same scoring only, no I/O        {scoring:7.1f} s  "
        f"{assessed / scoring:7.0f} customers/s"
    )
    print(f"  {GOAL}")


if __name__ == "__main__":
    asyncio.run(main())
