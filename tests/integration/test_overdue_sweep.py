from __future__ import annotations

import asyncio
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.risk_worker.clock.service import sweep
from shared.models.risk_worker import Outbox
from tests.integration.ledger import invoice

Sessions = async_sessionmaker[AsyncSession]
TODAY = date(2026, 11, 22)
BOUNDARIES = [1, 31, 61, 91, 121]


async def run_sweep(sessions: Sessions, today: date = TODAY, chunk: int = 500) -> int:
    return await sweep(sessions, today, BOUNDARIES, source="test", topic="risk", chunk=chunk)


async def announced(sessions: Sessions) -> list[tuple[str, int]]:
    async with sessions() as session:
        rows = (await session.execute(select(Outbox.payload).order_by(Outbox.id))).scalars().all()
    return [(p["data"]["invoice_id"], p["data"]["boundary"]) for p in rows if p["type"] == "invoice.overdue"]


async def test_each_item_is_announced_once_per_boundary_it_crosses(sessions: Sessions) -> None:
    await invoice(sessions, "C-1", "INV-45", "100.00", due=TODAY - timedelta(days=45))
    await invoice(sessions, "C-1", "INV-0", "100.00", due=TODAY)
    await invoice(sessions, "C-1", "INV-1", "100.00", due=TODAY - timedelta(days=1))
    assert await run_sweep(sessions) == 3
    assert await run_sweep(sessions) == 0
    assert sorted(await announced(sessions)) == [("INV-1", 1), ("INV-45", 1), ("INV-45", 31)]
    assert await run_sweep(sessions, TODAY + timedelta(days=30)) == 3  # INV-45 → 61, INV-0 → 1, INV-1 → 31
    async with sessions() as session:
        payloads = (await session.execute(select(Outbox.payload))).scalars().all()
    assert {p["data"]["days_past_due"] for p in payloads if p["data"]["invoice_id"] == "INV-45"} == {45, 75}


async def test_replicas_sweeping_together_announce_nothing_twice(sessions: Sessions) -> None:
    await invoice(sessions, "C-1", "INV-45", "100.00", due=TODAY - timedelta(days=45))
    results = await asyncio.gather(*(run_sweep(sessions) for _ in range(4)))
    assert sum(r for r in results if r > 0) == 2
    assert len(await announced(sessions)) == 2


async def test_a_long_sweep_goes_a_chunk_at_a_time_and_announces_everything_once(sessions: Sessions) -> None:
    for n in range(7):
        await invoice(sessions, f"C-{n % 3}", f"INV-{n}", "100.00", due=TODAY - timedelta(days=40))
    # Seven items past 1 and 31 days: fourteen announcements, in chunks of three.
    assert await run_sweep(sessions, chunk=3) == 14
    assert await run_sweep(sessions, chunk=3) == 0
    found = await announced(sessions)
    assert sorted(found) == sorted((f"INV-{n}", days) for n in range(7) for days in (1, 31))
