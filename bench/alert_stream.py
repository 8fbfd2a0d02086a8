"""The live alert stream under load: 200 subscribers on `GET /v1/alerts/stream` while reserving
credit checks run, against the same checks without them, in the same run.

The whole chain runs as in production: invoices published to Kafka, the risk worker applying them
and evaluating early warning, credit_api consuming the level changes and opening alerts, the stream
fanning them out. Figures: credit check throughput and latency without and with the subscribers,
credit_api's resident memory before and after they connect, and the delay from publishing the
invoice that crosses a threshold to the `alert.opened` on each subscriber's stream (p50, p99).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
import uuid
from dataclasses import dataclass, field
from datetime import date

import asyncpg
import httpx
from aiokafka import AIOKafkaProducer

from bench.common import Load, free_port, fresh_database, invoice_event, process, stack_env, wrk
from bench.credit_check import BODY, CUSTOMERS, seed
from shared.kafka import ensure_topics

SUBSCRIBERS = int(os.environ.get("BENCH_SUBSCRIBERS", "200"))
CROSSINGS = int(os.environ.get("BENCH_CROSSINGS", "100"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "15"))
CONCURRENCY = 32
# The worker evaluates touched customers every few seconds; the bench uses 1 s (default 10 s).
ASSESSMENT_INTERVAL = os.environ.get("BENCH_ASSESSMENT_INTERVAL", "1")
GOALS = "goals: 200 subscribers cost the credit check <= 10% of its throughput; memory bounded"


@dataclass
class Subscriber:
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    opened: dict[str, float] = field(default_factory=dict)
    ids: list[int] = field(default_factory=list)


async def controller_key(database_url: str) -> str:
    """Customers W000… with a limit of 1,000 EUR, whose invoices cross thresholds; a key that reads
    the stream."""
    from services.credit_api.access.api_keys.service import digest

    key = f"cred_stream_{uuid.uuid4().hex}"
    conn = await asyncpg.connect(database_url)
    try:
        await conn.executemany(
            "INSERT INTO credit_api.customers (customer_code, name, currency) VALUES ($1, $2, 'EUR')",
            [(f"W{i:03}", f"Watched {i}") for i in range(2 * CROSSINGS)],
        )
        await conn.executemany(
            "INSERT INTO credit_api.credit_limits (customer_code, amount, currency, reason, set_by) "
            "VALUES ($1, 1000, 'EUR', 'bench', 'bench')",
            [(f"W{i:03}",) for i in range(2 * CROSSINGS)],
        )
        await conn.execute(
            "INSERT INTO credit_api.api_keys (id, name, role, key_prefix, key_hash) "
            "VALUES ($1, 'stream', 'credit_controller', 'stream', $2)",
            uuid.uuid4(),
            digest(key),
        )
    finally:
        await conn.close()
    return key


async def subscribe(client: httpx.AsyncClient, url: str, key: str, into: Subscriber) -> None:
    async with client.stream("GET", url, headers={"Authorization": f"Bearer {key}"}) as response:
        response.raise_for_status()
        event_id, event_type = 0, ""
        async for line in response.aiter_lines():
            if line == ": subscribed":
                into.connected.set()
            elif line.startswith("id:"):
                event_id = int(line[3:])
            elif line.startswith("event:"):
                event_type = line[6:].strip()
            elif line.startswith("data:") and event_type == "alert.opened":
                into.ids.append(event_id)
                into.opened[json.loads(line[5:])["subject"]] = time.monotonic()


async def cross_thresholds(bootstrap: str, topic: str, first: int, published: dict[str, float]) -> None:
    """One invoice of 950 for each of CROSSINGS customers from `first` (utilisation 0.95: watch), 20
    a second."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for i in range(first, first + CROSSINGS):
            code = f"W{i:03}"
            key, value = invoice_event(code, f"INV-{code}", "950.00", "2026-11-20", "2099-12-31")
            published[code] = time.monotonic()
            await producer.send_and_wait(topic, value, key=key)
            await asyncio.sleep(0.05)
    finally:
        await producer.stop()


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def resident_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


async def main() -> None:
    database_url = await fresh_database("credence_bench_stream")
    order_key = await seed(database_url)
    stream_key = await controller_key(database_url)
    base = stack_env()
    bootstrap = base["KAFKA_BOOTSTRAP_SERVERS"]
    prefix = f"bench.{uuid.uuid4().hex[:6]}"
    topics = {name: f"{prefix}.{name}" for name in ("ar.events", "alerts", "risk.events", "credit.events")}
    await ensure_topics(
        bootstrap,
        [(t, 6 if n == "ar.events" else 1) for n, t in topics.items()] + [(f"{topics['ar.events']}.dlq", 1)],
    )
    api_port, worker_port = free_port(), free_port()
    env = {
        **base,
        "DATABASE_URL": database_url,
        "CREDENCE_LOG_LEVEL": "WARNING",
        "CREDENCE_TOPIC_AR_EVENTS": topics["ar.events"],
        "CREDENCE_TOPIC_ALERTS": topics["alerts"],
        "CREDENCE_TOPIC_RISK_EVENTS": topics["risk.events"],
        "CREDENCE_TOPIC_CREDIT_EVENTS": topics["credit.events"],
        "CREDENCE_API_GROUP_ID": f"{prefix}-api",
        "CREDENCE_WORKER_GROUP_ID": f"{prefix}-rw",
        "CREDENCE_API_PORT": str(api_port),
        "CREDENCE_WORKER_HTTP_PORT": str(worker_port),
        "CREDENCE_WORKER_ASSESSMENT_INTERVAL_SECONDS": ASSESSMENT_INTERVAL,
    }
    api_url = f"http://127.0.0.1:{api_port}"
    load = Load("/v1/credit-checks", BODY, order_key, CUSTOMERS)
    subscribers = [Subscriber() for _ in range(SUBSCRIBERS)]
    published: dict[str, float] = {}
    async with (
        process(["-m", "services.cli", "risk-worker"], env, f"http://127.0.0.1:{worker_port}/readyz"),
        process(["-m", "services.cli", "api"], env, f"{api_url}/readyz") as api,
    ):
        await wrk("warm-up", api_url, load, connections=CONCURRENCY, seconds=3)
        # Both runs carry the same alert traffic; only the subscribers differ.
        crossing = asyncio.create_task(cross_thresholds(bootstrap, topics["ar.events"], CROSSINGS, {}))
        api_cpu, own_cpu = cpu_seconds(api.pid), time.process_time()
        alone = await wrk(
            "credit checks, no subscribers", api_url, load, connections=CONCURRENCY, seconds=SECONDS
        )
        await crossing
        cpu_alone = (cpu_seconds(api.pid) - api_cpu, time.process_time() - own_cpu)
        memory_before = resident_mib(api.pid)
        limits = httpx.Limits(max_connections=SUBSCRIBERS + 10)
        async with httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(10, read=None)) as client:
            streams = [
                asyncio.create_task(subscribe(client, f"{api_url}/v1/alerts/stream", stream_key, s))
                for s in subscribers
            ]
            await asyncio.wait_for(asyncio.gather(*(s.connected.wait() for s in subscribers)), 60)
            memory_connected = resident_mib(api.pid)
            crossing = asyncio.create_task(cross_thresholds(bootstrap, topics["ar.events"], 0, published))
            api_cpu, own_cpu = cpu_seconds(api.pid), time.process_time()
            watched = await wrk(
                f"credit checks, {SUBSCRIBERS} subscribers",
                api_url,
                load,
                connections=CONCURRENCY,
                seconds=SECONDS,
            )
            await crossing
            cpu_watched = (cpu_seconds(api.pid) - api_cpu, time.process_time() - own_cpu)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and any(len(s.opened) < len(published) for s in subscribers):
                await asyncio.sleep(0.2)
            memory_after = resident_mib(api.pid)
            for task in streams:
                task.cancel()
            for task in streams:
                with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
                    await task
    delays = [s.opened[code] - at for s in subscribers for code, at in published.items() if code in s.opened]
    complete = sum(1 for s in subscribers if set(s.opened) == set(published) and s.ids == sorted(set(s.ids)))
    print(
        f"\nbench/alert_stream.py: {SUBSCRIBERS} SSE subscribers, {CROSSINGS} customers crossing a "
        f"threshold during each loaded run, {date.today()}, {os.cpu_count()} CPUs, worker assessment "
        f"interval {ASSESSMENT_INTERVAL} s"
    )
    print("  " + alone.line())
    print("  " + watched.line())
    print(f"  ratio with / without subscribers: {watched.throughput / alone.throughput:.2f}")
    per_check = [
        1000 * cpu / (run.throughput * SECONDS)
        for run, (cpu, _) in ((alone, cpu_alone), (watched, cpu_watched))
    ]
    print(
        f"  credit_api CPU per 1,000 checks: {per_check[0]:.2f} s without, {per_check[1]:.2f} s with; "
        f"the subscribers' client used {cpu_watched[1] - cpu_alone[1]:.1f} s of CPU more during the run"
    )
    print(
        f"  credit_api memory: {memory_before:.0f} MiB before, {memory_connected:.0f} MiB with "
        f"{SUBSCRIBERS} subscribers, {memory_after:.0f} MiB after {CROSSINGS} alerts"
    )
    print(
        f"  invoice published → alert.opened on a stream: p50 {percentile(delays, 0.5):.2f} s, "
        f"p99 {percentile(delays, 0.99):.2f} s ({len(delays)} deliveries, {complete}/{SUBSCRIBERS} "
        "subscribers got every alert once and in order)"
    )
    print(f"  {GOALS}")


if __name__ == "__main__":
    asyncio.run(main())
