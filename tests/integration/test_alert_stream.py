"""The live alert stream over a real HTTP server: a client that disconnects and comes back with
`Last-Event-ID` gets every change it missed, in order, once; filters and roles hold."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.credit_api.kernel.settings import ApiSettings
from services.credit_api.warnings.alerts import service as alerts
from shared.events import WarningIndicator, WarningLevelChanged
from shared.models.credit_api import Customer
from shared.roles import Role
from tests.integration.helpers import served, stream_events


async def change(
    sessions: async_sessionmaker[AsyncSession], settings: ApiSettings, code: str, level: str, previous: str
) -> None:
    """A level change as the worker publishes it, applied as credit_api's consumer applies it."""
    event = WarningLevelChanged(
        customer_code=code,
        level=level,
        previous_level=previous,
        causes=["max_days_past_due"],
        indicators=[WarningIndicator(indicator="max_days_past_due", value="50", level="warning")],
        actions=[],
        unblock=False,
        policy_version="default",
        changed_at=datetime.now(UTC),
    )
    async with sessions() as session, session.begin():
        await alerts.apply_change(session, event, settings, datetime.now(UTC))


async def test_a_client_resumes_with_last_event_id_and_misses_nothing(
    api_settings: ApiSettings, keys: dict[Role, str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions() as session, session.begin():
        session.add_all([Customer(customer_code=c, name=c, currency="EUR") for c in ("C-S0", "C-S1", "C-S2")])
    async with served(api_settings) as base:
        url = f"{base}/v1/alerts/stream"
        key = keys[Role.CREDIT_CONTROLLER]
        await change(sessions, api_settings, "C-S0", "watch", "normal")  # before: not for a new client
        subscribed = asyncio.Event()
        first = asyncio.create_task(stream_events(url, key, 3, subscribed=subscribed))
        await asyncio.wait_for(subscribed.wait(), 20)
        await change(sessions, api_settings, "C-S1", "watch", "normal")
        await change(sessions, api_settings, "C-S1", "warning", "watch")
        await change(sessions, api_settings, "C-S2", "critical", "normal")
        seen = await asyncio.wait_for(first, 20)
        assert [(t, d["data"]["customer_code"], d["data"]["level"]) for _, t, d in seen] == [
            ("alert.opened", "C-S1", "watch"),
            ("alert.updated", "C-S1", "warning"),
            ("alert.opened", "C-S2", "critical"),
        ]
        # Gone; meanwhile two more changes; back with the last id it saw.
        await change(sessions, api_settings, "C-S1", "normal", "warning")
        await change(sessions, api_settings, "C-S2", "warning", "critical")
        rest = await stream_events(url, key, 2, last_event_id=seen[-1][0])
        assert [(t, d["data"]["customer_code"]) for _, t, d in rest] == [
            ("alert.resolved", "C-S1"),
            ("alert.updated", "C-S2"),
        ]
        ids = [i for i, _, _ in seen + rest]
        assert ids == sorted(set(ids))
        # Filters: one customer's changes at warning or above.
        filtered = await stream_events(f"{url}?customer=C-S2&level=warning", key, 2, last_event_id=0)
        assert [(t, d["data"]["level"]) for _, t, d in filtered] == [
            ("alert.opened", "critical"),
            ("alert.updated", "warning"),
        ]
        async with httpx.AsyncClient() as client:
            denied = await client.get(url, headers={"Authorization": f"Bearer {keys[Role.ORDER_SYSTEM]}"})
            assert denied.status_code == 403
