"""The risk worker killed with SIGKILL in the middle of a stream, then restarted: exact balances."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.models.risk_worker import Balance, StoredEvent
from tests.integration.conftest import KAFKA, Topics, eventually
from tests.integration.helpers import invoice_event, publish
from tests.integration.receivers import free_port


def start_worker(database_url: str, topics: Topics, group: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "KAFKA_BOOTSTRAP_SERVERS": KAFKA,
        "CREDENCE_TOPIC_AR_EVENTS": topics.ar_events,
        "CREDENCE_TOPIC_ALERTS": topics.alerts,
        "CREDENCE_TOPIC_RISK_EVENTS": topics.settings["risk_events_topic"],
        "CREDENCE_WORKER_GROUP_ID": group,
        "CREDENCE_WORKER_HTTP_PORT": str(free_port()),
        "CREDENCE_WORKER_BATCH_MAX_RECORDS": "50",
        "CREDENCE_LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "services.cli", "risk-worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=None,
    )


async def stored(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int((await session.execute(select(func.count()).select_from(StoredEvent))).scalar_one())


async def test_sigkill_mid_stream_then_restart_gives_exact_balances(
    database_url: str, topics: Topics, sessions: async_sessionmaker[AsyncSession]
) -> None:
    events = [invoice_event(f"K-{i % 13}", f"INV-{i}", "1.25") for i in range(3000)]
    await publish(topics.ar_events, events)
    group = f"{topics.prefix}-crash"
    worker = start_worker(database_url, topics, group)
    try:

        async def started() -> bool:
            return await stored(sessions) >= 300

        await eventually(started, within=60, interval=0.02)
    finally:
        worker.send_signal(signal.SIGKILL)
        await asyncio.to_thread(worker.wait, 10)
    assert await stored(sessions) < len(events), "the worker was killed after the stream, not in it"
    worker = start_worker(database_url, topics, group)
    try:

        async def finished() -> bool:
            return await stored(sessions) >= len(events)

        await eventually(finished, within=120)
    finally:
        worker.terminate()
        await asyncio.to_thread(worker.wait, 30)
    async with sessions() as session:
        total = (await session.execute(select(func.sum(Balance.open_receivables)))).scalar_one()
    assert total == Decimal("3750.00")
    assert await stored(sessions) == len(events)
