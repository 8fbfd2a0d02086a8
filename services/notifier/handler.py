"""Turns each alert, dunning notice or statement of account into deliveries, recorded with the inbox
in one transaction."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiokafka import ConsumerRecord
from sqlalchemy.ext.asyncio import AsyncSession

from services.notifier import chat, repository
from services.notifier.chat import ChatFormat
from services.notifier.settings import ChatDestination, NotifierSettings
from services.notifier.templates import render_alert, render_notice, render_statement
from shared.domain.errors import InvalidEvent
from shared.events import (
    ALERT_CHANGES,
    AlertRaised,
    DunningNoticeIssued,
    StatementIssued,
    event_data,
    parse_event,
)
from shared.inbox import remember
from shared.models.notifier import InboxEntry

CHAT_FORMATS = {f.value for f in ChatFormat}


@dataclass(frozen=True)
class Message:
    """What to send and to whom, before it is rendered per language."""

    render: Callable[[str], tuple[str, str]]
    level: str | None
    alert_id: uuid.UUID | None
    email: str | None
    webhooks: list[str]
    bots: list[ChatDestination]
    reply_to: str | None = None  # answers to a notice reach the customer's credit controller


class AlertHandler:
    def __init__(self, settings: NotifierSettings) -> None:
        self._settings = settings

    async def apply(self, session: AsyncSession, record: ConsumerRecord[bytes, bytes]) -> None:
        if record.value is None:
            raise InvalidEvent("empty record")
        event = parse_event(record.value)
        if event.type in ALERT_CHANGES:
            return  # an alert's lifecycle, for streams and dashboards: alert.raised is what notifies
        data = event_data(event)
        if not isinstance(data, AlertRaised | DunningNoticeIssued | StatementIssued):
            raise InvalidEvent(f"the notifier does not handle {event.type} events")
        if not await remember(session, InboxEntry, event.source, event.id):
            return
        customer = await repository.customer(session, data.customer_code) or {}
        language = customer.get("language") or "en"
        message = self._message(
            data, customer.get("name") or data.customer_code, customer.get("contacts") or {}
        )
        rendered: dict[str, tuple[str, str]] = {}
        record_text = record.value.decode()

        def delivery(channel: str, target: str, in_language: str, **extra: Any) -> dict[str, Any]:
            if in_language not in rendered:
                rendered[in_language] = message.render(in_language)
            subject, body = rendered[in_language]
            if channel in CHAT_FORMATS:
                extra["message"] = chat.message(
                    ChatFormat(channel), title=subject, text=body, level=message.level or ""
                )
            return {
                "event_source": event.source,
                "event_id": event.id,
                "customer_code": data.customer_code,
                "alert_id": message.alert_id,
                "level": message.level,
                "channel": channel,
                "target": target,
                "subject": subject,
                "body": body,
                "payload": {"event": record_text, **extra},
            }

        extra: dict[str, Any] = {"reply_to": message.reply_to} if message.reply_to else {}
        if isinstance(data, StatementIssued) and message.email:
            extra["attachment"] = await self._statement_pdf(session, data)
        deliveries = [delivery("email", message.email, language, **extra)] if message.email else []
        deliveries += [delivery("webhook", url, language) for url in message.webhooks]
        deliveries += [delivery(bot.format, bot.url, bot.language or language) for bot in message.bots]
        await repository.add_deliveries(session, deliveries)

    @staticmethod
    async def _statement_pdf(session: AsyncSession, data: StatementIssued) -> dict[str, str]:
        """The statement's PDF as the e-mail attaches it, from credit_api's documents (written in the
        transaction that published the event, so it is there)."""
        pdf = await repository.statement_pdf(session, data.customer_code, data.period_from, data.period_to)
        if pdf is None:
            raise InvalidEvent(
                f"no statement of {data.customer_code} for {data.period_from}–{data.period_to} in "
                "credit_api.v_statement_documents"
            )
        return {
            "filename": f"statement-{data.customer_code}-{data.period_from}-{data.period_to}.pdf",
            "content_type": "application/pdf",
            "base64": base64.b64encode(pdf).decode(),
        }

    def _message(
        self, data: AlertRaised | DunningNoticeIssued | StatementIssued, name: str, contacts: dict[str, Any]
    ) -> Message:
        s = self._settings
        reply_to = contacts.get("credit_controller_email") or s.alert_email
        if isinstance(data, StatementIssued):
            return Message(
                render=lambda _: render_statement(data, customer_name=name),
                level=None,
                alert_id=None,
                email=contacts.get("accounts_payable_email"),
                webhooks=[],
                bots=[],
                reply_to=reply_to,
            )
        if isinstance(data, AlertRaised):
            return Message(
                render=lambda lang: render_alert(data, language=lang, customer_name=name),
                level=data.level,
                alert_id=data.alert_id,
                email=contacts.get("credit_controller_email") or s.alert_email,
                webhooks=s.webhooks,
                bots=[bot for bot in s.chat_webhooks if bot.wants(data.level)],
            )
        # A notice goes to the customer's accounts payable; without that address credit_api has
        # already left a task for a person, so nothing is sent by email.
        return Message(
            render=lambda lang: render_notice(data, language=lang, customer_name=name),
            level=None,
            alert_id=None,
            email=contacts.get("accounts_payable_email") if "email" in data.channels else None,
            webhooks=s.webhooks if "webhook" in data.channels else [],
            bots=s.chat_webhooks if "chat" in data.channels else [],
            reply_to=reply_to,
        )

    async def complete(self, session: AsyncSession, results: list[None]) -> None:
        return None
