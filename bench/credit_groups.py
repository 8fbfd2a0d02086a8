"""A credit group's figures (`credit_api.credit_group_figures`, what every credit check of a member
reads under its tree's locks) for a group of 50 members and one of 5,000 (each under a parent of
its own), each member with four
live reservations and open receivables. Each is timed on a session as credit_api opens it, and on
one whose planner may only join in nested loops: a session keeps the plan it made first, whatever
the statistics were then, so the figures must stay in proportion to the members under any plan.
The group of 50 is the baseline, in the same process."""

from __future__ import annotations

import asyncio
import os
import statistics
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import asyncpg

from bench.common import fresh_database

SIZES = {"SMALL": 50, "LARGE": int(os.environ.get("BENCH_GROUP_MEMBERS", "5000"))}
RESERVATIONS = 4
CALLS = 30
FIGURES = "SELECT credit_api.credit_group_figures($1::text[], '{}'::text[], $2, false)"
GOAL = "goal: 100 times the members cost at most 200 times the time, under either plan"


async def seed(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(
            "INSERT INTO credit_api.credit_groups (code, name, currency, parent_code) VALUES "
            "('SMALL-PARENT', 'Small parent', 'EUR', NULL), ('SMALL', 'Small', 'EUR', 'SMALL-PARENT'), "
            "('LARGE-PARENT', 'Large parent', 'EUR', NULL), ('LARGE', 'Large', 'EUR', 'LARGE-PARENT')"
        )
        members = [(f"{group[0]}{n:05}", group) for group, size in SIZES.items() for n in range(size)]
        await conn.copy_records_to_table(
            "customers",
            schema_name="credit_api",
            columns=["customer_code", "name", "currency", "credit_group"],
            records=[(code, code, "EUR", group) for code, group in members],
        )
        expiry = datetime.now(UTC) + timedelta(days=30)
        await conn.copy_records_to_table(
            "reservations",
            schema_name="credit_api",
            columns=["id", "customer_code", "order_ref", "amount", "currency", "status", "expires_at"],
            records=[
                (uuid.uuid4(), code, f"SO-{code}-{n}", Decimal("10.00"), "EUR", "active", expiry)
                for code, _ in members
                for n in range(RESERVATIONS)
            ],
        )
        await conn.copy_records_to_table(
            "balances",
            schema_name="risk_worker",
            columns=["customer_code", "currency", "open_receivables"],
            records=[(code, "EUR", Decimal("100.00")) for code, _ in members],
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


async def timed(database_url: str, member: str, *, nested_loops_only: bool) -> float:
    """The median of CALLS calls, in ms, on a session of its own (its kept plan made under it)."""
    conn = await asyncpg.connect(database_url, server_settings={"jit": "off"})
    try:
        if nested_loops_only:
            await conn.execute("SET enable_hashjoin = off; SET enable_mergejoin = off")
        took = []
        for _ in range(CALLS):
            start = time.perf_counter()
            await conn.fetchval(FIGURES, [member], datetime.now(UTC))
            took.append((time.perf_counter() - start) * 1000)
        return statistics.median(took[3:])
    finally:
        await conn.close()


async def main() -> None:
    database_url = await fresh_database("credence_bench_groups")
    await seed(database_url)
    print(f"\nbench/credit_groups.py: a credit group's figures, {date.today()}, {os.cpu_count()} CPUs")
    results: dict[tuple[str, bool], float] = {}
    for nested_loops_only in (False, True):
        plan = "nested loops only" if nested_loops_only else "as credit_api plans"
        for group, size in SIZES.items():
            took = await timed(database_url, f"{group[0]}00000", nested_loops_only=nested_loops_only)
            results[(group, nested_loops_only)] = took
            print(f"  {size:>5} members, {plan:<20} {took:8.2f} ms  ({took * 1000 / size:6.1f} µs a member)")
        ratio = results[("LARGE", nested_loops_only)] / results[("SMALL", nested_loops_only)]
        print(f"  {SIZES['LARGE'] // SIZES['SMALL']} times the members, {plan}: {ratio:.0f} times the time")
    print(f"  {GOAL}")


if __name__ == "__main__":
    asyncio.run(main())
