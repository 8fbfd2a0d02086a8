"""Building and publishing events, and running the workers inside the test's event loop."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
import uvicorn
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.credit_api.app import create_app
from services.credit_api.kernel.settings import ApiSettings
from shared.events import ALERT_RAISED, AlertRaised, encode, new_event
from tests.integration.conftest import KAFKA, eventually
from tests.integration.receivers import free_port

S = TypeVar("S")


def alert_event(
    customer: str,
    kind: str = "limit_exceeded",
    level: str = "warning",
    message: str = "Exposure 1200.00 EUR is above the credit limit 1000.00 EUR",
    details: dict[str, Any] | None = None,
) -> bytes:
    now = datetime.now(UTC)
    return encode(
        new_event(
            source="credence/credit-api",
            type_=ALERT_RAISED,
            subject=customer,
            time=now,
            data=AlertRaised.model_validate(
                {
                    "alert_id": uuid.uuid4(),
                    "customer_code": customer,
                    "kind": kind,
                    "level": level,
                    "message": message,
                    "details": details or {"currency": "EUR", "exposure": "1200.00", "limit": "1000.00"},
                    "raised_at": now,
                }
            ),
        )
    )


def erp_event(
    type_: str, customer: str, data: dict[str, Any], *, event_id: str | None = None
) -> dict[str, Any]:
    """A CloudEvent from the test ERP about one customer."""
    return {
        "specversion": "1.0",
        "id": event_id or str(uuid.uuid4()),
        "source": "erp/test",
        "type": type_,
        "time": "2026-11-01T08:00:00Z",
        "subject": customer,
        "data": {"customer_code": customer, **data},
    }


def invoice_event(
    customer: str,
    invoice_id: str,
    amount: str,
    *,
    currency: str = "EUR",
    issue_date: str = "2026-11-01",
    due_date: str | None = "2026-12-01",
    event_id: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    data = {
        "invoice_id": invoice_id,
        "currency": currency,
        "amount": amount,
        "issue_date": issue_date,
        **extra,
    }
    if due_date is not None:
        data["due_date"] = due_date
    return erp_event("invoice.issued", customer, data, event_id=event_id)


def payment_event(
    customer: str,
    payment_id: str,
    amount: str,
    received: str,
    allocations: dict[str, str] | None = None,
    *,
    currency: str = "EUR",
    **bank: str,
) -> dict[str, Any]:
    """An ERP's `payment.received`: its allocations by invoice, and what the bank said of it
    (`remittance_text`, `bank_reference`, `payer_name`, `payer_account`)."""
    data: dict[str, Any] = {
        "payment_id": payment_id,
        "currency": currency,
        "amount": amount,
        "received_date": received,
        **bank,
    }
    if allocations:
        data["allocations"] = [{"invoice_id": i, "amount": a} for i, a in allocations.items()]
    return erp_event("payment.received", customer, data)


async def publish(topic: str, events: Iterable[dict[str, Any] | bytes], *, key: bytes | None = None) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=KAFKA, enable_idempotence=True)
    await producer.start()
    try:
        for event in events:
            if isinstance(event, bytes):
                await producer.send(topic, event, key=key)
            else:
                await producer.send(topic, json.dumps(event).encode(), key=key or event["subject"].encode())
        await producer.flush()
    finally:
        await producer.stop()


@asynccontextmanager
async def running(
    serve: Callable[[S, asyncio.Event], Coroutine[Any, Any, None]], settings: S
) -> AsyncIterator[asyncio.Event]:
    """Run a worker's `serve` until the block ends, then stop it as SIGTERM would."""
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, stop))
    try:
        yield stop
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


async def drain(topic: str, count: int) -> list[tuple[bytes, dict[str, str]]]:
    """The first `count` records of a topic: (value, headers), read from the beginning."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=KAFKA, auto_offset_reset="earliest", group_id=None)
    await consumer.start()
    found: list[tuple[bytes, dict[str, str]]] = []
    try:

        async def collect() -> bool:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                found.extend((r.value, {k: v.decode() for k, v in r.headers}) for r in records)
            return len(found) >= count

        await eventually(collect)
    finally:
        await consumer.stop()
    return found


@asynccontextmanager
async def served(settings: ApiSettings) -> AsyncIterator[str]:
    """credit_api on a real HTTP server (streams need one: the in-process client waits for the end)."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_config=None, lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def stream_events(
    url: str,
    key: str,
    count: int,
    *,
    subscribed: asyncio.Event | None = None,
    last_event_id: int | None = None,
) -> list[tuple[int, str, dict[str, Any]]]:
    """The first `count` server-sent events of a stream as (id, event, data), then disconnect;
    `subscribed` is set when the server says the stream's starting point is fixed."""
    headers = {"Authorization": f"Bearer {key}"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = str(last_event_id)
    found: list[tuple[int, str, dict[str, Any]]] = []
    event_id, event_type = 0, ""
    async with (
        httpx.AsyncClient(timeout=60) as client,
        client.stream("GET", url, headers=headers) as response,
    ):
        assert response.status_code == 200
        async for line in response.aiter_lines():
            if line == ": subscribed" and subscribed is not None:
                subscribed.set()
            elif line.startswith("id:"):
                event_id = int(line[3:].strip())
            elif line.startswith("event:"):
                event_type = line[6:].strip()
            elif line.startswith("data:"):
                found.append((event_id, event_type, json.loads(line[5:].strip())))
                if len(found) == count:
                    break
    return found


async def outbox_left(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
    """What the services' outboxes still hold, as `schema topic type created_at`, oldest first."""
    async with sessions() as session:
        rows = await session.execute(
            text(
                "SELECT concat_ws(' ', source, topic, payload->>'type', created_at) FROM ("
                " SELECT 'credit_api' AS source, * FROM credit_api.outbox"
                " UNION ALL SELECT 'risk_worker', * FROM risk_worker.outbox) AS left_over"
                " ORDER BY created_at"
            )
        )
        return list(rows.scalars())


async def outbox_empty(sessions: async_sessionmaker[AsyncSession]) -> bool:
    """Every event the services' outboxes held has been relayed to Kafka."""
    return not await outbox_left(sessions)


async def waiting_on_locks(sessions: async_sessionmaker[AsyncSession], statement: str = "") -> int:
    """How many sessions of this database wait for a lock (those running a statement that starts with
    `statement`), read from a session of its own: a transaction sees pg_stat_activity as it was
    when it first read it."""
    async with sessions() as session:
        found = await session.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database() AND starts_with(query, :statement)"
            ),
            {"statement": statement},
        )
    return int(found or 0)
