"""Reserving credit checks across 1,000 customers: credit_api against a bare Starlette + asyncpg
endpoint running the same SQL, both under the same load in the same run.

Figures: throughput and latency at concurrency 32 for both, their ratio, and credit_api's
latency under a load paced at 500 checks/s.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from datetime import date

import asyncpg

from bench.common import Load, free_port, fresh_database, process, stack_env, wrk

CUSTOMERS = 1000
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "32"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "15"))
RATE = float(os.environ.get("BENCH_RATE", "500"))
GOALS = "goals: >= 1,000 checks/s at concurrency 32; p99 <= 20 ms at 500 checks/s; ratio >= 0.6"
BODY = '{"customer_code":"B%04d","order_ref":"%s","amount":"10.00","currency":"EUR","reserve":true}'


async def seed(database_url: str) -> str:
    """1,000 customers with limits far above what the run reserves; an order-system key."""
    from services.credit_api.api_keys.service import digest

    key = f"cred_bench_{uuid.uuid4().hex}"
    conn = await asyncpg.connect(database_url)
    try:
        await conn.executemany(
            "INSERT INTO credit_api.customers (customer_code, name, currency) VALUES ($1, $2, 'EUR')",
            [(f"B{i:04}", f"Bench customer {i}") for i in range(CUSTOMERS)],
        )
        await conn.executemany(
            "INSERT INTO credit_api.credit_limits (customer_code, amount, currency, reason, set_by) "
            "VALUES ($1, 100000000, 'EUR', 'bench', 'bench')",
            [(f"B{i:04}",) for i in range(CUSTOMERS)],
        )
        await conn.execute(
            "INSERT INTO credit_api.api_keys (id, name, role, key_prefix, key_hash) "
            "VALUES ($1, 'bench', 'order_system', 'bench', $2)",
            uuid.uuid4(),
            digest(key),
        )
    finally:
        await conn.close()
    return key


async def main() -> None:
    database_url = await fresh_database("credence_bench")
    key = await seed(database_url)
    env = {
        **stack_env(),
        "DATABASE_URL": database_url,
        "CREDENCE_LOG_LEVEL": "WARNING",
        "CREDENCE_API_CONSUME_EVENTS": "false",
    }
    api_port, base_port = free_port(), free_port()
    load = Load("/v1/credit-checks", BODY, key, CUSTOMERS)
    api_url, base_url = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{base_port}"
    api_env = {**env, "CREDENCE_API_PORT": str(api_port)}
    async with process(["-m", "services.cli", "api"], api_env, f"{api_url}/readyz"):
        await wrk("warm-up", api_url, load, connections=CONCURRENCY, seconds=3)
        api = await wrk(
            f"credit_api, concurrency {CONCURRENCY}", api_url, load, connections=CONCURRENCY, seconds=SECONDS
        )
        paced = await wrk(
            f"credit_api, paced at {RATE:.0f}/s", api_url, load, connections=50, seconds=SECONDS, rate=RATE
        )
    async with process(["-m", "bench.baseline_app"], {**env, "PORT": str(base_port)}, f"{base_url}/readyz"):
        await wrk("warm-up", base_url, load, connections=CONCURRENCY, seconds=3)
        baseline = await wrk(
            f"baseline, concurrency {CONCURRENCY}", base_url, load, connections=CONCURRENCY, seconds=SECONDS
        )
    print(
        f"\nbench/credit_check.py: reserving credit checks, {CUSTOMERS} customers, {date.today()}, "
        f"{os.cpu_count()} CPUs"
    )
    for run in (api, baseline, paced):
        print("  " + run.line())
    print(f"  ratio credit_api / baseline throughput: {api.throughput / baseline.throughput:.2f}")
    print(f"  {GOALS}")


if __name__ == "__main__":
    asyncio.run(main())
