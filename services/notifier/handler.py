"""Turns each alert event into deliveries, recorded with the inbox in one transaction."""

from __future__ import annotations

from typing import Any

from aiokafka import ConsumerRecord
from sqlalchemy.ext.asyncio import AsyncSession

from services.notifier import repository
from services.notifier.settings import NotifierSettings
from services.notifier.templates import render_alert
from shared.domain.errors import InvalidEvent
from shared.events import ALERT_CHANGES, AlertRaised, event_data, parse_event
from shared.inbox import remember
from shared.models.notifier import InboxEntry


class AlertHandler:
    def __init__(self, settings: NotifierSettings) -> None:
        self._settings = settings

    async def apply(self, session: AsyncSession, record: ConsumerRecord[bytes, bytes]) -> None:
        if record.value is None:
            raise InvalidEvent("empty record")
        event = parse_event(record.value)
        if event.type in ALERT_CHANGES:
            return  # an alert's lifecycle, for streams and dashboards: alert.raised is what notifies
        alert = event_data(event)
        if not isinstance(alert, AlertRaised):
            raise InvalidEvent(f"the notifier does not handle {event.type} events")
        if not await remember(session, InboxEntry, event.source, event.id):
            return
        customer = await repository.customer(session, alert.customer_code) or {}
        subject, body = render_alert(
            alert,
            language=customer.get("language") or "en",
            customer_name=customer.get("name") or alert.customer_code,
        )
        payload = record.value.decode()
        common: dict[str, Any] = {
            "event_source": event.source,
            "event_id": event.id,
            "subject": subject,
            "body": body,
            "payload": {"event": payload},
        }
        recipient = (customer.get("contacts") or {}).get(
            "credit_controller_email"
        ) or self._settings.alert_email
        deliveries = [{**common, "channel": "email", "target": recipient}] if recipient else []
        deliveries += [{**common, "channel": "webhook", "target": url} for url in self._settings.webhooks]
        await repository.add_deliveries(session, deliveries)

    async def complete(self, session: AsyncSession, results: list[None]) -> None:
        return None
