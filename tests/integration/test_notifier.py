from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.responses import JSONResponse, Response

from services.notifier.dispatcher import sign_webhook
from services.notifier.main import serve
from services.notifier.settings import ChatDestination, NotifierSettings
from shared.models.notifier import Delivery
from shared.roles import Role
from tests.integration.conftest import Api, at_once, eventually
from tests.integration.helpers import alert_event, publish, running
from tests.integration.receivers import Answer, smtp_server, webhook_receiver


async def chinese_customer(api: Api, code: str) -> None:
    """A customer who reads Chinese, with a credit controller of its own."""
    await api.ok(
        "POST",
        "/v1/customers",
        status=201,
        role=Role.ERP,
        json={
            "customer_code": code,
            "name": "华东贸易",
            "currency": "CNY",
            "language": "zh-CN",
            "contacts": {"credit_controller_email": "zhang@example.cn"},
        },
    )


async def test_alerts_reach_the_credit_controller_in_their_language_and_webhooks_signed(
    api: Api, notifier_settings: NotifierSettings
) -> None:
    await chinese_customer(api, "C-8")
    event = alert_event("C-8")
    with smtp_server() as mailbox:
        async with webhook_receiver() as hooks:
            settings = notifier_settings.model_copy(
                update={"smtp_port": mailbox.port, "webhook_urls": hooks.url}
            )
            await publish(settings.alerts_topic, [event, event], key=b"C-8")  # a redelivery, too
            async with running(serve, settings):
                await eventually(lambda: at_once(len(mailbox.messages) >= 1 and len(hooks.requests) >= 1))
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
            await eventually(lambda: at_once(len(hooks.requests) >= 3))
            delivery = await eventually(lambda: _sent(sessions))
    assert delivery.attempts == 3 and delivery.last_error is None
    assert len({h["webhook-id"] for h, _ in hooks.requests}) == 1


async def test_a_slow_destination_holds_up_no_other(
    notifier_settings: NotifierSettings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with webhook_receiver(delay=6) as slow, webhook_receiver() as fast:
        settings = notifier_settings.model_copy(update={"webhook_urls": f"{slow.url},{fast.url}"})
        await publish(settings.alerts_topic, [alert_event("C-11"), alert_event("C-12")])
        async with running(serve, settings):

            async def statuses() -> dict[str, list[str]]:
                async with sessions() as session:
                    rows = (await session.execute(select(Delivery.target, Delivery.status))).all()
                return {
                    url: sorted(st for target, st in rows if target == url) for url in (slow.url, fast.url)
                }

            async def fast_done() -> dict[str, list[str]] | None:
                now = await statuses()
                return now if now[fast.url] == ["sent", "sent"] else None

            # Both messages reach the fast receiver while the slow one still holds both.
            seen = await eventually(fast_done, within=5)
            assert seen[slow.url] == ["pending", "pending"] and len(slow.requests) == 2
            await eventually(lambda: _all_sent(sessions), within=15)


async def _all_sent(sessions: async_sessionmaker[AsyncSession]) -> bool:
    async with sessions() as session:
        return set((await session.execute(select(Delivery.status))).scalars()) == {"sent"}


async def test_alerts_of_customers_without_a_controller_go_to_the_fallback_address(
    notifier_settings: NotifierSettings,
) -> None:
    with smtp_server() as mailbox:
        settings = notifier_settings.model_copy(
            update={"smtp_port": mailbox.port, "alert_email": "ops@example.com"}
        )
        await publish(settings.alerts_topic, [alert_event("UNKNOWN-1")], key=b"UNKNOWN-1")
        async with running(serve, settings):
            await eventually(lambda: at_once(bool(mailbox.messages)))
    assert mailbox.messages[0]["To"] == "ops@example.com"
    assert "UNKNOWN-1" in mailbox.messages[0]["Subject"]


async def _sent(sessions: async_sessionmaker[AsyncSession]) -> Delivery | None:
    async with sessions() as session:
        return (await session.execute(select(Delivery).where(Delivery.status == "sent"))).scalar_one_or_none()


def early_warning_event(customer: str, level: str, actions: list[str]) -> bytes:
    return alert_event(
        customer,
        kind="early_warning",
        level=level,
        message=f"{customer} is at early-warning level {level} (max_days_past_due)",
        details={
            "causes": [{"indicator": "max_days_past_due", "value": "95", "level": level}],
            "actions": actions,
            "previous_level": "warning",
        },
    )


def _bot_answer(
    ok: dict[str, Any], refusal: dict[str, Any], accept: Callable[[str, bytes, int], bool]
) -> Answer:
    return lambda query, body, n: JSONResponse(ok if accept(query, body, n) else refusal)


def _dingtalk_signed(secret: str) -> Callable[[str, bytes, int], bool]:
    """As DingTalk checks a signed robot: HMAC-SHA256 keyed by the secret over "timestamp\\nsecret"."""

    def check(query: str, body: bytes, n: int) -> bool:
        params = dict(parse_qsl(query))
        mac = hmac.new(secret.encode(), f"{params['timestamp']}\n{secret}".encode(), hashlib.sha256)
        return params["sign"] == base64.b64encode(mac.digest()).decode()

    return check


def _feishu_signed(secret: str) -> Callable[[str, bytes, int], bool]:
    """As Feishu checks a signed bot: HMAC-SHA256 keyed by "timestamp\\nsecret" over nothing."""

    def check(query: str, body: bytes, n: int) -> bool:
        sent = json.loads(body)
        mac = hmac.new(f"{sent['timestamp']}\n{secret}".encode(), b"", hashlib.sha256)
        return bool(sent["sign"] == base64.b64encode(mac.digest()).decode())

    return check


async def test_chat_bots_get_their_formats_and_a_refusing_destination_holds_up_no_other(
    api: Api, notifier_settings: NotifierSettings
) -> None:
    await chinese_customer(api, "C-10")
    zero = {"errcode": 0, "errmsg": "ok"}
    async with (
        webhook_receiver(answer=lambda q, b, n: Response("ok")) as slack,
        webhook_receiver(answer=lambda q, b, n: Response(status_code=202)) as teams,
        webhook_receiver(
            answer=_bot_answer(
                zero, {"errcode": 45009, "errmsg": "api freq out of limit"}, lambda q, b, n: n > 1
            )
        ) as wecom,
        webhook_receiver(
            answer=_bot_answer(
                zero, {"errcode": 310000, "errmsg": "sign not match"}, _dingtalk_signed("SECd1")
            )
        ) as dingtalk,
        webhook_receiver(
            answer=_bot_answer({"code": 0, "msg": "success"}, {"code": 19021}, _feishu_signed("fs-secret"))
        ) as feishu,
        webhook_receiver(answer=lambda q, b, n: Response(status_code=500)) as broken,
    ):
        bots = [
            {"format": "slack", "url": slack.url, "language": "en"},
            {"format": "teams", "url": teams.url, "min_level": "critical"},
            {"format": "wecom", "url": wecom.url},
            {"format": "dingtalk", "url": f"{dingtalk.url}?access_token=t0k3n", "secret": "SECd1"},
            {"format": "feishu", "url": feishu.url, "secret": "fs-secret"},
        ]
        with smtp_server() as mailbox:
            settings = notifier_settings.model_copy(
                update={
                    "smtp_port": mailbox.port,
                    "webhook_urls": broken.url,
                    "chat_webhooks": [ChatDestination.model_validate(b) for b in bots],
                    "max_attempts": 3,
                    "retry_base_seconds": 0.1,
                }
            )
            await publish(
                settings.alerts_topic, [early_warning_event("C-10", "critical", ["notify", "block"])]
            )
            async with running(serve, settings):
                settled = await eventually(lambda: _settled(api, 7))
                await publish(settings.alerts_topic, [early_warning_event("C-10", "watch", ["notify"])])
                await eventually(lambda: _settled(api, 7 + 5))
    by_channel = {d["channel"]: d for d in settled if d["level"] == "critical"}
    assert {c: d["status"] for c, d in by_channel.items()} == {
        "email": "sent",
        "slack": "sent",
        "teams": "sent",
        "wecom": "sent",
        "dingtalk": "sent",
        "feishu": "sent",
        "webhook": "failed",
    }
    assert by_channel["wecom"]["attempts"] == 2
    assert by_channel["webhook"]["attempts"] == 3 and "500" in by_channel["webhook"]["last_error"]
    assert (
        by_channel["dingtalk"]["target"]
        == "http://127.0.0.1:" + dingtalk.url.split(":")[2].split("/")[0] + "/…0k3n"
    )
    # Teams wants critical only: the watch alert reached everyone else.
    assert len(teams.requests) == 1
    [mail, _] = mailbox.messages
    assert "该客户已被冻结" in mail.get_content()
    [(_, slack_body), _] = slack.requests
    assert "The customer has been blocked" in json.loads(slack_body)["blocks"][1]["text"]["text"]
    card = json.loads(teams.requests[0][1])["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert json.loads(wecom.requests[-1][1])["msgtype"] == "markdown"
    assert "access_token=t0k3n&timestamp=" in dingtalk.queries[0]
    assert "严重" in json.loads(dingtalk.requests[0][1])["markdown"]["title"]
    assert json.loads(feishu.requests[0][1])["content"]["text"].startswith("🔴 [Credence] 严重")
    only_failed = await api.ok("GET", "/v1/deliveries?status=failed")
    assert [d["channel"] for d in only_failed["items"]] == ["webhook"]


async def _settled(api: Api, count: int) -> list[dict[str, Any]] | None:
    """Every delivery, once `count` of them are no longer pending."""
    items = (await api.ok("GET", "/v1/deliveries?customer=C-10&limit=100"))["items"]
    done = [d for d in items if d["status"] != "pending"]
    return items if len(done) >= count else None
