"""ERP events end to end: published to Kafka → committed in the ledger and its projections, and the
customers they touch reassessed, with one risk worker; in the same run a baseline that drains the
same topic with raw aiokafka and asyncpg COPY into a bare table. Then the delay from publish to
visible at 1,000 events/s, and the portfolio ageing report over 1,000,000 open items."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
import uuid
from datetime import date, timedelta

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from bench.common import ITEM_COLUMNS, MOVEMENT_COLUMNS, free_port, fresh_database, invoice_event, stack_env
from shared.kafka import ensure_topics

EVENTS = int(os.environ.get("BENCH_EVENTS", "50000"))
RATE = float(os.environ.get("BENCH_RATE_EVENTS", "1000"))
PACED_SECONDS = float(os.environ.get("BENCH_SECONDS", "15"))
WARM_UP_SECONDS = 5.0
ITEMS = int(os.environ.get("BENCH_AGEING_ITEMS", "1000000"))
GOALS = "goals: >= 5,000 events/s; ratio >= 0.3; p99 <= 1 s at 1,000 events/s; ageing report <= 5 s"


def invoice(customer: int, n: int, issued: date) -> tuple[bytes, bytes]:
    # Due in a month: invoices already overdue would have the worker's overdue sweep announce
    # each of them while ingestion is measured.
    due = issued + timedelta(days=30)
    return invoice_event(f"E{customer:04}", f"INV-{n}", "100.00", issued.isoformat(), due.isoformat())


async def publish(bootstrap: str, topic: str, count: int, issued: date) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=20, max_batch_size=1 << 20)
    await producer.start()
    try:
        batch = [
            await producer.send(topic, value, key=key)
            for key, value in (invoice(i % 1000, i, issued) for i in range(count))
        ]
        await asyncio.gather(*batch)
    finally:
        await producer.stop()


async def credit_files(database_url: str) -> None:
    """The customers have credit files, so the worker assesses each batch's customers as it applies
    their events: ingestion is measured with assessment on."""
    conn = await asyncpg.connect(database_url)
    try:
        await conn.executemany(
            "INSERT INTO credit_api.customers (customer_code, name, currency, country, industry) "
            "VALUES ($1, $1, 'EUR', 'DE', 'wholesale')",
            [(f"E{c:04}",) for c in range(1000)],
        )
    finally:
        await conn.close()


async def stored(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval("SELECT count(*) FROM risk_worker.events"))


async def numbered(conn: asyncpg.Connection) -> int:
    """The event store's highest sequence number, read from one index entry: at least the count
    (a rolled-back batch leaves a gap), so polled until the target and then confirmed by a count.
    Counting the whole store every 50 ms took about 8 % of PostgreSQL's time from the worker
    being measured."""
    return int(await conn.fetchval("SELECT coalesce(max(seq), 0) FROM risk_worker.events"))


async def worker(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.cli",
        "risk-worker",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def drain_with_worker(env: dict[str, str], database_url: str, target: int) -> tuple[float, float]:
    """Events stored per second, and the seconds after the last one until every customer touched
    was reassessed."""
    conn = await asyncpg.connect(database_url)
    proc = await worker(env)
    try:
        while await stored(conn) == 0:
            if proc.returncode is not None:
                raise RuntimeError("the risk worker exited")
            await asyncio.sleep(0.01)
        started = time.perf_counter()
        first = await stored(conn)
        while await numbered(conn) < target or await stored(conn) < target:
            await asyncio.sleep(0.05)
        drained = time.perf_counter()
        while await conn.fetchval("SELECT count(*) FROM risk_worker.assessments_due") or await conn.fetchval(
            "SELECT count(*) < 1000 FROM risk_worker.assessments"
        ):
            await asyncio.sleep(0.05)
        return (target - first) / (drained - started), time.perf_counter() - drained
    finally:
        proc.terminate()
        await proc.wait()
        await conn.close()


async def drain_baseline(bootstrap: str, topic: str, database_url: str, target: int) -> float:
    conn = await asyncpg.connect(database_url)
    await conn.execute(
        "CREATE TABLE IF NOT EXISTS bench_raw (topic text, part int, off bigint, key text, payload jsonb)"
    )
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"raw-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        max_poll_records=5000,
    )
    await consumer.start()
    done, started = 0, None
    try:
        while done < target:
            batch = await consumer.getmany(timeout_ms=200, max_records=5000)
            rows = [
                (r.topic, r.partition, r.offset, r.key.decode(), r.value.decode())
                for records in batch.values()
                for r in records
            ]
            if not rows:
                continue
            started = started or time.perf_counter()
            async with conn.transaction():
                await conn.copy_records_to_table("bench_raw", records=rows)
            await consumer.commit()
            done += len(rows)
        assert started is not None
        return done / (time.perf_counter() - started)
    finally:
        await consumer.stop()
        await conn.close()


async def paced_delay(
    env: dict[str, str], bootstrap: str, topic: str, database_url: str, issued: date
) -> list[float]:
    """Publish at RATE for PACED_SECONDS; poll the event store for when each event became visible."""
    conn = await asyncpg.connect(database_url)
    proc = await worker(env)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=1)
    await producer.start()
    sent: dict[str, float] = {}
    pending: set[str] = set()
    delays: list[float] = []
    total = int(RATE * PACED_SECONDS)

    async def poll() -> None:
        # By id, not by arrival order: the worker's consumers commit side by side, so a later
        # sequence number can become visible before an earlier one.
        while len(delays) < total:
            rows = await conn.fetch(
                "SELECT event_id FROM risk_worker.events WHERE source = 'erp/bench' AND event_id = ANY($1)",
                list(pending),
            )
            now = time.perf_counter()
            for row in rows:
                pending.discard(row["event_id"])
                delays.append(now - sent[row["event_id"]])
            await asyncio.sleep(0.01)

    poller = asyncio.create_task(poll())
    try:
        start = time.perf_counter()
        # The first seconds are not counted: the worker's consumers join their group and settle.
        warm_up = int(RATE * WARM_UP_SECONDS)
        for n in range(warm_up + total):
            due = start + n / RATE
            if due > time.perf_counter():
                await asyncio.sleep(due - time.perf_counter())
            key, value = invoice(n % 1000, 10_000_000 + n, issued)
            if n >= warm_up:
                event_id = json.loads(value)["id"]
                sent[event_id] = time.perf_counter()
                pending.add(event_id)
            await producer.send(topic, value, key=key)
        await asyncio.wait_for(poller, 120)
    finally:
        await producer.stop()
        proc.terminate()
        await proc.wait()
        await conn.close()
    return sorted(delays)


async def ageing_report(database_url: str) -> tuple[float, float]:
    """Seconds for the portfolio ageing report over ITEMS open items: today, and a past month-end."""
    from services.credit_api.finance.ageing.service import portfolio
    from shared.db import make_engine, make_sessionmaker
    from shared.domain.ageing import Buckets

    conn = await asyncpg.connect(database_url)
    today = date.today()
    try:
        await conn.execute("TRUNCATE risk_worker.open_items, risk_worker.movements")
        await conn.executemany(
            "INSERT INTO credit_api.customers (customer_code, name, currency, industry) "
            "VALUES ($1, $1, 'EUR', $2) ON CONFLICT DO NOTHING",
            [(f"A{c:05}", f"industry-{c % 12}") for c in range(10_000)],
        )
        items = [
            (
                f"A{n % 10_000:05}",
                f"I{n}",
                "invoice",
                "EUR",
                100,
                100,
                today - timedelta(days=n % 400),
                today - timedelta(days=n % 400 - 30),
                "open",
            )
            for n in range(ITEMS)
        ]
        await conn.copy_records_to_table(
            "open_items",
            schema_name="risk_worker",
            records=items,
            columns=ITEM_COLUMNS,
        )
        await conn.copy_records_to_table(
            "movements",
            schema_name="risk_worker",
            columns=MOVEMENT_COLUMNS,
            records=[(c, "item", i, "EUR", 100, issued, due) for c, i, _, _, _, _, issued, due, _ in items],
        )
        await conn.execute("ANALYZE risk_worker.open_items; ANALYZE risk_worker.movements")
    finally:
        await conn.close()
    engine = make_engine(database_url, pool_size=1)
    timings = []
    try:
        for as_of in (today, today.replace(day=1) - timedelta(days=1)):
            async with make_sessionmaker(engine)() as session:
                started = time.perf_counter()
                await portfolio(session, as_of, "due_date", Buckets(), "industry", "EUR")
                timings.append(time.perf_counter() - started)
    finally:
        await engine.dispose()
    return timings[0], timings[1]


async def main() -> None:
    database_url = await fresh_database("credence_bench_ingest")
    base = stack_env()
    bootstrap = base["KAFKA_BOOTSTRAP_SERVERS"]
    topic = f"bench.{uuid.uuid4().hex[:6]}.ar.events"
    await ensure_topics(bootstrap, [(topic, 6), (f"{topic}.dlq", 1)])
    env = {
        **base,
        "DATABASE_URL": database_url,
        "CREDENCE_TOPIC_AR_EVENTS": topic,
        "CREDENCE_WORKER_GROUP_ID": f"bench-{uuid.uuid4().hex[:6]}",
        "CREDENCE_WORKER_HTTP_PORT": str(free_port()),
        "CREDENCE_LOG_LEVEL": "WARNING",
        "CREDENCE_TOPIC_ALERTS": f"{topic}.alerts",
        "CREDENCE_TOPIC_RISK_EVENTS": f"{topic}.risk",
    }
    await ensure_topics(bootstrap, [(f"{topic}.alerts", 1), (f"{topic}.risk", 1)])
    await credit_files(database_url)
    today = date.today()
    await publish(bootstrap, topic, EVENTS, today)
    worker_rate, assessed_after = await drain_with_worker(env, database_url, EVENTS)
    baseline_rate = await drain_baseline(bootstrap, topic, database_url, EVENTS)
    delays = await paced_delay(env, bootstrap, topic, database_url, today)
    today_s, month_end_s = await ageing_report(database_url)
    print(
        f"\nbench/ingest.py: {EVENTS} invoice events over 1,000 customers, 6 partitions, {today}, "
        f"{os.cpu_count()} CPUs"
    )
    print(f"  risk worker (one process), end to end      {worker_rate:8.0f} events/s")
    print(f"  every customer reassessed {assessed_after:.1f} s after the last event was stored")
    print(f"  baseline (aiokafka + COPY, bare table)     {baseline_rate:8.0f} events/s")
    print(f"  ratio worker / baseline: {worker_rate / baseline_rate:.2f}")
    print(
        f"  publish → visible at {RATE:.0f}/s: p50 {delays[len(delays) // 2] * 1000:.0f} ms, "
        f"p99 {delays[int(len(delays) * 0.99)] * 1000:.0f} ms ({len(delays)} events)"
    )
    print(
        f"  portfolio ageing over {ITEMS:,} open items: today {today_s:.2f} s, past month-end "
        f"{month_end_s:.2f} s"
    )
    print(f"  {GOALS}")


if __name__ == "__main__":
    asyncio.run(main())
