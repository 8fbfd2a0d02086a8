from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from typing import Any

from aiokafka import ConsumerRecord
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.risk_worker import handlers
from services.risk_worker.handler import LedgerHandler
from services.risk_worker.main import serve
from services.risk_worker.settings import WorkerSettings
from shared.models.risk_worker import Balance, OpenItem, StoredEvent
from tests.integration.conftest import eventually
from tests.integration.helpers import drain, invoice_event, publish, running

Sessions = async_sessionmaker[AsyncSession]


async def balance(sessions: Sessions, customer: str, currency: str = "EUR") -> Decimal | None:
    async with sessions() as session:
        return (
            await session.execute(
                select(Balance.open_receivables).where(
                    Balance.customer_code == customer, Balance.currency == currency
                )
            )
        ).scalar_one_or_none()


async def stored_events(sessions: Sessions) -> int:
    async with sessions() as session:
        return (await session.execute(select(func.count()).select_from(StoredEvent))).scalar_one()


async def test_an_invoice_event_lands_in_the_ledger_and_raises_exposure(
    worker_settings: WorkerSettings, sessions: Sessions
) -> None:
    await publish(
        worker_settings.ar_events_topic, [invoice_event("C-1", "INV-1", "1200.50", order_ref="SO-9")]
    )
    async with running(serve, worker_settings):
        assert await eventually(lambda: balance(sessions, "C-1")) == Decimal("1200.50")
    async with sessions() as session:
        item = (await session.execute(select(OpenItem))).scalar_one()
    assert (item.item_id, item.open_amount, item.order_ref, str(item.due_date)) == (
        "INV-1",
        Decimal("1200.50"),
        "SO-9",
        "2026-12-01",
    )


async def test_redelivered_events_are_applied_once(
    worker_settings: WorkerSettings, sessions: Sessions
) -> None:
    event = invoice_event("C-1", "INV-1", "100.00")
    await publish(worker_settings.ar_events_topic, [event, event, event])
    await publish(worker_settings.ar_events_topic, [invoice_event("C-1", "INV-2", "1.00")])
    async with running(serve, worker_settings):
        assert await eventually(lambda: balance(sessions, "C-1")) == Decimal("101.00")
    assert await stored_events(sessions) == 2


async def test_invalid_events_go_to_the_dead_letter_topic_and_the_rest_is_applied(
    worker_settings: WorkerSettings, sessions: Sessions
) -> None:
    topic = worker_settings.ar_events_topic
    bad: list[dict[str, Any] | bytes] = [
        b"{not json",
        {**invoice_event("C-1", "INV-X", "5.00"), "type": "invoice.teleported"},
        invoice_event("C-1", "INV-Y", "5.001"),
        invoice_event("C-1", "INV-1", "7.00"),  # same invoice id as a valid one, other event
    ]
    await publish(topic, [invoice_event("C-1", "INV-1", "10.00")], key=b"C-1")
    await publish(topic, bad, key=b"C-1")
    await publish(topic, [invoice_event("C-1", "INV-2", "20.00")], key=b"C-1")
    async with running(serve, worker_settings):
        assert await eventually(lambda: balance(sessions, "C-1")) == Decimal("30.00")
        dead = await drain(worker_settings.dead_letter_topic, 4)
    reasons = [headers["dlq.reason"] for _, headers in dead]
    assert "not a CloudEvent" in reasons[0]
    assert "unknown event type 'invoice.teleported'" in reasons[1]
    assert "decimals" in reasons[2]
    assert "INV-1 was already issued" in reasons[3]
    assert dead[0][0] == b"{not json"
    assert all(h["dlq.source.topic"] == topic and h["dlq.source.offset"].isdigit() for _, h in dead)
    assert await balance(sessions, "C-1") == Decimal("30.00")


async def test_a_topic_read_again_applies_nothing_twice_and_keeps_one_dead_letter_per_record(
    worker_settings: WorkerSettings, sessions: Sessions
) -> None:
    topic = worker_settings.ar_events_topic
    await publish(topic, [invoice_event("C-1", "INV-1", "10.00")])
    await publish(topic, [b"{not json"], key=b"C-1")
    await publish(topic, [invoice_event("C-1", "INV-2", "5.00")])
    async with running(serve, worker_settings):
        await eventually(lambda: _at_least(sessions, 2))
        await drain(worker_settings.dead_letter_topic, 1)
    # A new consumer group reads everything again, as after a crash before the offset commit.
    again = worker_settings.model_copy(update={"group_id": worker_settings.group_id + "-again"})
    async with running(serve, again):
        await drain(worker_settings.dead_letter_topic, 2)
    async with sessions() as session:
        dead = (await session.execute(text("SELECT count(*) FROM risk_worker.dead_letters"))).scalar_one()
    assert (await balance(sessions, "C-1"), await stored_events(sessions), dead) == (Decimal("15.00"), 2, 1)


async def test_a_consumer_that_lost_its_partitions_unawares_waits_and_then_applies_nothing(
    worker_settings: WorkerSettings, sessions: Sessions
) -> None:
    records = [
        ConsumerRecord(worker_settings.ar_events_topic, 0, n, 0, 0, b"C-1", value, None, 3, len(value), [])
        for n, value in enumerate(
            json.dumps(invoice_event("C-1", f"INV-{n}", "10.00")).encode() for n in range(3)
        )
    ]
    handlers.register()
    handler = LedgerHandler(worker_settings)
    async with sessions() as zombie:
        async with sessions() as owner, owner.begin():
            assert await handler.apply(owner, records) == []
            # The zombie reads the same records while the owner's batch is not committed yet.
            await zombie.begin()
            late = asyncio.create_task(handler.apply(zombie, records))
            await asyncio.sleep(0.5)
            assert not late.done(), "the zombie did not wait for the partition's owner"
        # Nothing dead-lettered, nothing failed: the three events are stored already.
        assert await late == []
        await zombie.commit()
    assert (await balance(sessions, "C-1"), await stored_events(sessions)) == (Decimal("30.00"), 3)


async def test_a_stopped_worker_resumes_where_it_committed_without_loss_or_doubles(
    worker_settings: WorkerSettings, sessions: Sessions
) -> None:
    events = [invoice_event(f"C-{i % 7}", f"INV-{i}", "1.00") for i in range(300)]
    await publish(worker_settings.ar_events_topic, events[:150])
    async with running(serve, worker_settings.model_copy(update={"batch_max_records": 20})):
        await eventually(lambda: _at_least(sessions, 40))
    # Stopped as SIGTERM stops it: the batch in hand was committed; the rest arrives while it is down.
    await publish(worker_settings.ar_events_topic, events[150:])
    async with running(serve, worker_settings):
        await eventually(lambda: _at_least(sessions, 300))
    async with sessions() as session:
        total = (await session.execute(select(func.sum(Balance.open_receivables)))).scalar_one()
        items = (await session.execute(text("SELECT count(*) FROM risk_worker.open_items"))).scalar_one()
    assert (total, items) == (Decimal("300.00"), 300)


async def test_a_rebalance_between_two_workers_loses_and_doubles_nothing(
    worker_settings: WorkerSettings, sessions: Sessions
) -> None:
    events = [invoice_event(f"C-{i % 11}", f"INV-{i}", "2.00") for i in range(600)]
    small = worker_settings.model_copy(update={"batch_max_records": 25})
    await publish(worker_settings.ar_events_topic, events[:200])
    async with running(serve, small):
        await eventually(lambda: _at_least(sessions, 50))
        async with running(serve, small):
            await publish(worker_settings.ar_events_topic, events[200:400])
            await eventually(lambda: _at_least(sessions, 300))
        await publish(worker_settings.ar_events_topic, events[400:])
        await eventually(lambda: _at_least(sessions, 600))
    async with sessions() as session:
        total = (await session.execute(select(func.sum(Balance.open_receivables)))).scalar_one()
    assert total == Decimal("1200.00")
    assert await stored_events(sessions) == 600


async def _at_least(sessions: Sessions, count: int) -> bool:
    return await stored_events(sessions) >= count
