"""Reserving credit checks across 1,000 customers: credit_api (deciding in batches) against a bare
Starlette + asyncpg endpoint deciding each check alone in its own transaction, under the same load
in the same run, and PostgreSQL's own floor for the statements credit_api sends.

Figures: credit_api's latency one check at a time (nothing else running against it), its
throughput and latency at concurrency 32 and 128, at concurrency 32 again with every customer in a
credit group of 10 and the groups under parents of 10 (each check weighs three limits; the two
runs at 32 take turns, five slices of 3 s each, so the shared machine's slower moments weigh on
both alike), under a load paced at 500 checks/s, and with two processes side by side; the
baseline at concurrency 32, and the ratios; PostgreSQL alone running what a batch of one check
sends (BEGIN, `check_batch_open`, `check_batch_write`, COMMIT) from one client and from 32.

Where a check's time goes when it is alone, from the same run: the HTTP floor (`GET /healthz` one
at a time, through the same server and middleware), the pipeline's own time for its batches of one
(its `credence_credit_check_batch_seconds` during that load), and PostgreSQL alone step by step.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import asyncpg
import httpx
from prometheus_client.parser import text_string_to_metric_families

from bench.common import Load, Run, free_port, fresh_database, process, stack_env, wrk
from services.credit_api.credit.credit_checks import repository

CUSTOMERS = 1000
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "32"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "15"))
RATE = float(os.environ.get("BENCH_RATE", "500"))
SEQUENTIAL = int(os.environ.get("BENCH_SEQUENTIAL", "2000"))
GOALS = (
    "goals: one at a time p50 <= 2 ms, p99 <= 5 ms; p99 <= 20 ms at 500 checks/s; "
    "ratio >= 2 at concurrency 32"
)
BODY = '{"customer_code":"B%04d","order_ref":"%s","amount":"10.00","currency":"EUR","reserve":true}'
# The same customers again, each in a credit group of 10, the groups under parents of 10: every
# check also weighs two group limits.
GROUPED = BODY.replace('"B%04d"', '"G%04d"')


async def seed(database_url: str) -> str:
    """1,000 customers alone and 1,000 in credit groups (10 to a group, 10 groups to a parent),
    with limits far above what the run reserves; an order-system key."""
    from services.credit_api.access.api_keys.service import digest

    key = f"cred_bench_{uuid.uuid4().hex}"
    conn = await asyncpg.connect(database_url)
    try:
        groups: list[tuple[str, str | None]] = [(f"GP{p:02}", None) for p in range(CUSTOMERS // 100)]
        groups += [(f"GR{g:03}", f"GP{g // 10:02}") for g in range(CUSTOMERS // 10)]
        await conn.executemany(
            "INSERT INTO credit_api.credit_groups (code, name, currency, parent_code) "
            "VALUES ($1, $1, 'EUR', $2)",
            groups,
        )
        await conn.executemany(
            "INSERT INTO credit_api.credit_group_limits (group_code, amount, currency, reason, set_by) "
            "VALUES ($1, 100000000000, 'EUR', 'bench', 'bench')",
            [(code,) for code, _ in groups],
        )
        await conn.executemany(
            "INSERT INTO credit_api.customers (customer_code, name, currency, credit_group) "
            "VALUES ($1, $2, 'EUR', $3)",
            [(f"B{i:04}", f"Bench customer {i}", None) for i in range(CUSTOMERS)]
            + [(f"G{i:04}", f"Bench member {i}", f"GR{i // 10:03}") for i in range(CUSTOMERS)],
        )
        await conn.executemany(
            "INSERT INTO credit_api.credit_limits (customer_code, amount, currency, reason, set_by) "
            "VALUES ($1, 100000000, 'EUR', 'bench', 'bench')",
            [(f"{prefix}{i:04}",) for prefix in "BG" for i in range(CUSTOMERS)],
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


STEPS = ("BEGIN", "open", "write", "COMMIT")


async def postgres_floor(database_url: str, clients: int, checks: int) -> tuple[Run, dict[str, float]]:
    """PostgreSQL alone, from `clients` connections at once, `checks` in all: each a batch of one
    reserving check with an Idempotency-Key as the pipeline sends it, in the same four round
    trips, with nothing decided between them. Also the p50 of each round trip, in ms."""
    key_id = uuid.uuid4()
    conns = [await asyncpg.connect(database_url) for _ in range(clients)]
    latencies: list[float] = []
    steps: dict[str, list[float]] = {step: [] for step in STEPS}

    async def client(conn: asyncpg.Connection, n: int, first: int) -> None:
        for i in range(first, first + n):
            code, order, check_id = f"B{i % CUSTOMERS:04}", f"F-{uuid.uuid4().hex}", uuid.uuid4()
            now = datetime.now(UTC)
            started = time.perf_counter()
            transaction = conn.transaction()
            await transaction.start()
            began = time.perf_counter()
            try:
                await conn.fetch(
                    repository.OPEN,
                    [key_id],
                    [order],
                    [code],
                    [order],
                    now,
                    now.date(),
                )
                opened = time.perf_counter()
                row: dict[str, object] = {
                    "id": str(check_id), "customer_code": code, "order_ref": order, "amount": "10.00",
                    "currency": "EUR", "decision": "approved", "reasons": [],
                    "effective_limit": "100000000.00", "exposure_before": "0.00", "exposure_after": "10.00",
                    "available_after": "99999990.00", "order_amount": "10.00", "order_currency": "EUR",
                    "reservation_id": None, "hold_id": None, "checked_by": "key:bench",
                    "checked_at": now.isoformat(),
                }  # fmt: skip
                await conn.fetch(
                    repository.WRITE,
                    [uuid.uuid4()],
                    [code],
                    [order],
                    [check_id],
                    [Decimal("10.00")],
                    ["EUR"],
                    [now + timedelta(days=30)],
                    json.dumps([row]),
                    [key_id],
                    [order],
                    ["0" * 64],
                    [200],
                    [json.dumps(row)],
                )
                written = time.perf_counter()
            except BaseException:
                await transaction.rollback()
                raise
            await transaction.commit()
            done = time.perf_counter()
            latencies.append(done - started)
            for step, took in zip(
                STEPS, (began - started, opened - began, written - opened, done - written), strict=True
            ):
                steps[step].append(took)

    started = time.perf_counter()
    try:
        # Each client from its own customer on, as the pipeline keeps two batches off one customer:
        # all starting from the first, the clients queued for the same customers' locks.
        await asyncio.gather(
            *(client(conn, checks // clients, k * CUSTOMERS // clients) for k, conn in enumerate(conns))
        )
    finally:
        for conn in conns:
            await conn.close()
    took = time.perf_counter() - started
    ordered = sorted(latencies)
    run = Run(
        f"PostgreSQL alone, {clients} client{'s' if clients > 1 else ''}",
        len(ordered) / took,
        ordered[len(ordered) // 2] * 1000,
        ordered[int(len(ordered) * 0.99)] * 1000,
        0,
    )
    return run, {step: statistics.median(times) * 1000 for step, times in steps.items()}


async def batch_seconds(url: str) -> tuple[float, float]:
    """The pipeline's batches so far: their count and the seconds they took, from its metrics."""
    async with httpx.AsyncClient() as client:
        text = (await client.get(f"{url}/metrics")).text
    found = {
        sample.name: sample.value
        for family in text_string_to_metric_families(text)
        if family.name == "credence_credit_check_batch_seconds"
        for sample in family.samples
    }
    return found["credence_credit_check_batch_seconds_count"], found[
        "credence_credit_check_batch_seconds_sum"
    ]


async def in_turn(url: str, loads: dict[str, Load], turns: int = 5) -> list[Run]:
    """Each load at concurrency 32 for SECONDS in all, in `turns` slices taken one after the other,
    so that a while in which the machine is slower (it is shared) slows them alike: throughput over
    all the slices, p50 and p99 the median slice's (each slice's first moments, as wrk connects,
    are slower than the rest: the highest p99 would be theirs)."""
    slices: dict[str, list[Run]] = {name: [] for name in loads}
    for _ in range(turns):
        for name, load in loads.items():
            slices[name].append(await wrk(name, url, load, connections=CONCURRENCY, seconds=SECONDS / turns))
    return [
        Run(
            name,
            statistics.fmean(r.throughput for r in runs),
            statistics.median(r.p50_ms for r in runs),
            statistics.median(r.p99_ms for r in runs),
            sum(r.errors for r in runs),
        )
        for name, runs in slices.items()
    ]


async def main() -> None:
    database_url = await fresh_database("credence_bench")
    key = await seed(database_url)
    env = {
        **stack_env(),
        "DATABASE_URL": database_url,
        "CREDENCE_LOG_LEVEL": "WARNING",
        "CREDENCE_API_CONSUME_EVENTS": "false",
        # The whole load comes with one key: the bench measures the checks, not the key's rate limit
        # (2,000/s by default, which concurrency 128 passes).
        "CREDENCE_API_RATE_LIMIT_PER_SECOND": "100000",
    }
    api_port, second_port, base_port = free_port(), free_port(), free_port()
    load = Load("/v1/credit-checks", BODY, key, CUSTOMERS)
    api_url, base_url = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{base_port}"
    second_url = f"http://127.0.0.1:{second_port}"
    api_env = {**env, "CREDENCE_API_PORT": str(api_port)}
    async with process(["-m", "services.cli", "api"], api_env, f"{api_url}/readyz"):
        await wrk("warm-up", api_url, load, connections=CONCURRENCY, seconds=3)
        http_floor = await wrk(
            "GET /healthz, one at a time",
            api_url,
            Load("/healthz", "", key, CUSTOMERS, method="GET"),
            connections=1,
            seconds=SECONDS / 3,
        )
        batches_before, seconds_before = await batch_seconds(api_url)
        alone = await wrk(
            "credit_api, one at a time", api_url, load, connections=1, seconds=SECONDS, requests=SEQUENTIAL
        )
        batches_after, seconds_after = await batch_seconds(api_url)
        batches, seconds = batches_after - batches_before, seconds_after - seconds_before
        api, grouped = await in_turn(
            api_url,
            {
                f"credit_api, concurrency {CONCURRENCY}": load,
                f"credit_api grouped, concurrency {CONCURRENCY}": Load(
                    "/v1/credit-checks", GROUPED, key, CUSTOMERS
                ),
            },
        )
        wide = await wrk("credit_api, concurrency 128", api_url, load, connections=128, seconds=SECONDS)
        # Many connections, each idle most of the time: the rate the callers ask for, not one the
        # server's latency would slow down.
        paced = await wrk(
            f"credit_api, paced at {RATE:.0f}/s", api_url, load, connections=200, seconds=SECONDS, rate=RATE
        )
        # A second process beside the first, each with half the connections: do two beat one here?
        second_env = {**env, "CREDENCE_API_PORT": str(second_port)}
        async with process(["-m", "services.cli", "api"], second_env, f"{second_url}/readyz"):
            await wrk("warm-up", second_url, load, connections=CONCURRENCY // 2, seconds=3)
            halves = await asyncio.gather(
                *(
                    wrk(f"credit_api {n}/2", url, load, connections=CONCURRENCY // 2, seconds=SECONDS)
                    for n, url in ((1, api_url), (2, second_url))
                )
            )
    two = Run(
        f"2 credit_api processes, concurrency {CONCURRENCY}",
        sum(h.throughput for h in halves),
        max(h.p50_ms for h in halves),
        max(h.p99_ms for h in halves),
        sum(h.errors for h in halves),
    )
    async with process(["-m", "bench.baseline_app"], {**env, "PORT": str(base_port)}, f"{base_url}/readyz"):
        await wrk("warm-up", base_url, load, connections=CONCURRENCY, seconds=3)
        baseline = await wrk(
            f"baseline, concurrency {CONCURRENCY}", base_url, load, connections=CONCURRENCY, seconds=SECONDS
        )
    floor_one, steps = await postgres_floor(database_url, 1, SEQUENTIAL)
    floor_many, _ = await postgres_floor(database_url, CONCURRENCY, SEQUENTIAL * 4)
    print(
        f"\nbench/credit_check.py: reserving credit checks, {CUSTOMERS} customers, {date.today()}, "
        f"{os.cpu_count()} CPUs"
    )
    for run in (alone, api, grouped, wide, paced, two, baseline, floor_one, floor_many):
        print("  " + run.line())
    print(
        f"  one at a time, where it goes: HTTP floor p50 {http_floor.p50_ms:.2f} ms "
        f"(GET /healthz, {http_floor.throughput:.0f}/s); the pipeline's batches of one "
        f"{seconds / batches * 1000:.2f} ms on average ({batches:.0f}); PostgreSQL alone p50 by round trip: "
        + ", ".join(f"{step} {ms:.2f}" for step, ms in steps.items())
        + " ms"
    )
    print(f"  ratio credit_api / baseline throughput: {api.throughput / baseline.throughput:.2f}")
    print(f"  ratio grouped / ungrouped throughput: {grouped.throughput / api.throughput:.2f} (goal >= 0.80)")
    print(f"  {GOALS}")


if __name__ == "__main__":
    asyncio.run(main())
