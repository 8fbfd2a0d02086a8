from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.notifier.dispatcher import sign_webhook
from services.notifier.main import serve
from services.notifier.settings import NotifierSettings
from shared.events import ALERT_RAISED, AlertRaised, encode, new_event
from shared.models.notifier import Delivery
from shared.roles import Role
from tests.integration.conftest import Api, eventually
from tests.integration.helpers import publish, running
from tests.integration.receivers import smtp_server, webhook_receiver


def alert_event(customer: str) -> bytes:
    now = datetime.now(UTC)
    return encode(
        new_event(
            source="credence/risk-worker",
            type_=ALERT_RAISED,
            subject=customer,
            time=now,
            data=AlertRaised(
                alert_id=uuid.uuid4(),
                customer_code=customer,
                kind="limit_exceeded",
                level="warning",
                message="Exposure 1200.00 EUR is above the credit limit 1000.00 EUR",
                details={"currency": "EUR", "exposure": "1200.00", "limit": "1000.00"},
                raised_at=now,
            ),
        )
    )


async def test_alerts_reach_the_credit_controller_in_their_language_and_webhooks_signed(
    api: Api, notifier_settings: NotifierSettings
) -> None:
    await api.ok(
        "POST",
        "/v1/customers",
        status=201,
        role=Role.ERP,
        json={
            "customer_code": "C-8",
            "name": "华东贸易",
            "currency": "CNY",
            "language": "zh-CN",
            "contacts": {"credit_controller_email": "zhang@example.cn"},
        },
    )
    event = alert_event("C-8")
    with smtp_server() as mailbox:
        async with webhook_receiver() as hooks:
            settings = notifier_settings.model_copy(
                update={"smtp_port": mailbox.port, "webhook_urls": hooks.url}
            )
            await publish(settings.alerts_topic, [event, event], key=b"C-8")  # a redelivery, too
            async with running(serve, settings):
                await eventually(lambda: _async(len(mailbox.messages) >= 1 and len(hooks.requests) >= 1))
    [mail] = mailbox.messages
    assert mail["To"] == "zhang@example.cn"
    assert mail["Subject"] == "[Credence] 警告：华东贸易（C-8）— 超出信用额度"
    [(headers, body)] = hooks.requests
    assert json.loads(body) == json.loads(event)
    assert headers["content-type"] == "application/cloudevents+json"
    expected = sign_webhook(
        settings.webhook_secret.get_secret_value(),
        headers["webhook-id"],
        int(headers["webhook-timestamp"]),
        body,
    )
    assert headers["webhook-signature"] == expected


async def test_a_failing_webhook_is_retried_until_it_succeeds(
    notifier_settings: NotifierSettings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with webhook_receiver(fail_first=2) as hooks:
        settings = notifier_settings.model_copy(update={"webhook_urls": hooks.url})
        await publish(settings.alerts_topic, [alert_event("C-9")], key=b"C-9")
        async with running(serve, settings):
            await eventually(lambda: _async(len(hooks.requests) >= 3))
            delivery = await eventually(lambda: _sent(sessions))
    assert delivery.attempts == 3 and delivery.last_error is None
    assert len({h["webhook-id"] for h, _ in hooks.requests}) == 1


async def test_alerts_of_customers_without_a_controller_go_to_the_fallback_address(
    notifier_settings: NotifierSettings,
) -> None:
    with smtp_server() as mailbox:
        settings = notifier_settings.model_copy(
            update={"smtp_port": mailbox.port, "alert_email": "ops@example.com"}
        )
        await publish(settings.alerts_topic, [alert_event("UNKNOWN-1")], key=b"UNKNOWN-1")
        async with running(serve, settings):
            await eventually(lambda: _async(bool(mailbox.messages)))
    assert mailbox.messages[0]["To"] == "ops@example.com"
    assert "UNKNOWN-1" in mailbox.messages[0]["Subject"]


async def _sent(sessions: async_sessionmaker[AsyncSession]) -> Delivery | None:
    async with sessions() as session:
        return (await session.execute(select(Delivery).where(Delivery.status == "sent"))).scalar_one_or_none()


async def _async(value: bool) -> bool:
    return value
