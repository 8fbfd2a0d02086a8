"""Turns each alert event into deliveries, recorded with the inbox in one transaction."""

from __future__ import annotations

from typing import Any

from aiokafka import ConsumerRecord
from sqlalchemy.ext.asyncio import AsyncSession

from services.notifier import chat, repository
from services.notifier.chat import ChatFormat
from services.notifier.settings import NotifierSettings
from services.notifier.templates import render_alert
from shared.domain.errors import InvalidEvent
from shared.events import ALERT_CHANGES, AlertRaised, event_data, parse_event
from shared.inbox import remember
from shared.models.notifier import InboxEntry

CHAT_FORMATS = {f.value for f in ChatFormat}


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
        language = customer.get("language") or "en"
        name = customer.get("name") or alert.customer_code
        rendered: dict[str, tuple[str, str]] = {}
        record_text = record.value.decode()

        def delivery(channel: str, target: str, in_language: str, **extra: Any) -> dict[str, Any]:
            if in_language not in rendered:
                rendered[in_language] = render_alert(alert, language=in_language, customer_name=name)
            subject, body = rendered[in_language]
            if channel in CHAT_FORMATS:
                extra["message"] = chat.message(
                    ChatFormat(channel), title=subject, text=body, level=alert.level
                )
            return {
                "event_source": event.source,
                "event_id": event.id,
                "customer_code": alert.customer_code,
                "alert_id": alert.alert_id,
                "level": alert.level,
                "channel": channel,
                "target": target,
                "subject": subject,
                "body": body,
                "payload": {"event": record_text, **extra},
            }

        recipient = (customer.get("contacts") or {}).get(
            "credit_controller_email"
        ) or self._settings.alert_email
        deliveries = [delivery("email", recipient, language)] if recipient else []
        deliveries += [delivery("webhook", url, language) for url in self._settings.webhooks]
        deliveries += [
            delivery(bot.format, bot.url, bot.language or language)
            for bot in self._settings.chat_webhooks
            if bot.wants(alert.level)
        ]
        await repository.add_deliveries(session, deliveries)

    async def complete(self, session: AsyncSession, results: list[None]) -> None:
        return None
