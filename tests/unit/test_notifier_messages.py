import base64
import hashlib
import hmac
import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote_plus

import pytest

from services.notifier import chat
from services.notifier.dispatcher import sign_webhook
from services.notifier.templates import render_alert, render_notice
from shared.events import AlertRaised, DunningNoticeIssued

ALERT = AlertRaised(
    alert_id=uuid.UUID("00000000-0000-0000-0000-000000000001"),
    customer_code="C-1",
    kind="limit_exceeded",
    level="warning",
    message="Exposure 1200.00 EUR is above the credit limit 1000.00 EUR",
    details={"currency": "EUR", "exposure": "1200.00", "limit": "1000.00", "excess": "200.00"},
    raised_at=datetime(2026, 11, 22, 9, 30, tzinfo=UTC),
)


def test_alert_email_in_english() -> None:
    subject, body = render_alert(ALERT, language="en", customer_name="Acme")
    assert subject == "[Credence] WARNING: Acme (C-1) — Credit limit exceeded"
    assert "Exposure 1200.00 EUR is above the credit limit 1000.00 EUR" in body
    assert "2026-11-22 09:30 UTC" in body


def test_alert_email_in_chinese() -> None:
    subject, body = render_alert(ALERT, language="zh-CN", customer_name="华东贸易")
    assert subject == "[Credence] 警告：华东贸易（C-1）— 超出信用额度"
    assert "当前风险敞口 1200.00 EUR，信用额度 1000.00 EUR" in body


def test_languages_without_templates_fall_back_to_english() -> None:
    subject, _ = render_alert(ALERT, language="de-DE", customer_name="Acme")
    assert subject.startswith("[Credence] WARNING")


def test_webhook_signature_matches_the_standard_webhooks_test_vector() -> None:
    signature = sign_webhook(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        1614265330,
        b'{"test": 2432232314}',
    )
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def early_warning(level: str, actions: list[str]) -> AlertRaised:
    return ALERT.model_copy(
        update={
            "kind": "early_warning",
            "level": level,
            "details": {
                "causes": [{"indicator": "overdue_share", "value": "0.45", "level": level}],
                "actions": actions,
                "previous_level": "normal",
            },
        }
    )


def test_early_warning_emails_say_what_each_level_means_and_why() -> None:
    watch = render_alert(early_warning("watch", ["notify"]), language="en", customer_name="Acme")
    warning = render_alert(
        early_warning("warning", ["notify", "suggest_lower_limit"]), language="en", customer_name="Acme"
    )
    critical = render_alert(
        early_warning("critical", ["notify", "block"]), language="en", customer_name="Acme"
    )
    assert watch[0] == "[Credence] WATCH: Acme (C-1) — early warning"
    assert "Overdue share of receivables: 45% (watch)" in watch[1]
    assert "Nothing has been changed on the account" in watch[1]
    assert "A lower credit limit" in warning[1] and "waiting for approval" in warning[1]
    assert "The customer has been blocked" in critical[1]
    unblocked = render_alert(early_warning("critical", ["notify"]), language="en", customer_name="Acme")
    assert "New orders are held while the customer stays at this level" in unblocked[1]


def test_early_warning_emails_in_chinese_and_regional_fallback() -> None:
    subject, body = render_alert(
        early_warning("critical", ["block"]), language="zh-CN", customer_name="华东贸易"
    )
    assert subject == "[Credence] 严重：华东贸易（C-1）— 信用预警"
    assert "逾期应收占比：45%（严重）" in body and "该客户已被冻结" in body
    whole = early_warning("warning", ["notify"])
    whole.details["causes"][0]["value"] = "1"  # every receivable overdue: a share, not a count
    assert "逾期应收占比：100%（警告）" in render_alert(whole, language="zh-CN", customer_name="华东贸易")[1]
    assert (
        "Overdue share of receivables: 100% (warning)"
        in render_alert(whole, language="en", customer_name="A")[1]
    )
    subject, _ = render_alert(early_warning("watch", []), language="en-GB", customer_name="Acme")
    assert subject.startswith("[Credence] WATCH")


def test_chat_messages_in_each_platforms_format() -> None:
    shapes = {
        fmt: chat.message(fmt, title="[Credence] CRITICAL: Acme", text="body", level="critical")
        for fmt in chat.ChatFormat
    }
    assert shapes[chat.ChatFormat.SLACK]["text"] == "🔴 [Credence] CRITICAL: Acme"
    assert shapes[chat.ChatFormat.TEAMS]["attachments"][0]["content"]["type"] == "AdaptiveCard"
    assert shapes[chat.ChatFormat.WECOM] == {
        "msgtype": "markdown",
        "markdown": {"content": "**🔴 [Credence] CRITICAL: Acme**\nbody"},
    }
    assert shapes[chat.ChatFormat.DINGTALK]["markdown"]["title"] == "🔴 [Credence] CRITICAL: Acme"
    assert shapes[chat.ChatFormat.FEISHU] == {
        "msg_type": "text",
        "content": {"text": "🔴 [Credence] CRITICAL: Acme\nbody"},
    }


def test_dingtalk_and_feishu_signatures() -> None:
    """DingTalk: sign = urlencode(base64(HMAC-SHA256(key=secret, "timestamp\\nsecret"))), timestamp
    in ms, in the URL. Feishu: sign = base64(HMAC-SHA256(key="timestamp\\nsecret", "")), timestamp in
    seconds, in the body. As both platforms' custom bot guides describe them."""
    url, _ = chat.signed(
        chat.ChatFormat.DINGTALK,
        "https://oapi.dingtalk.com/robot/send?access_token=x",
        {},
        "SEC1",
        1599360473000,
    )
    digest = hmac.new(b"SEC1", b"1599360473000\nSEC1", hashlib.sha256).digest()
    assert url == (
        "https://oapi.dingtalk.com/robot/send?access_token=x&timestamp=1599360473000&sign="
        + quote_plus(base64.b64encode(digest).decode())
    )
    _, body = chat.signed(
        chat.ChatFormat.FEISHU, "https://open.feishu.cn/hook/x", {"msg_type": "text"}, "s", 1599360473000
    )
    expected = base64.b64encode(hmac.new(b"1599360473\ns", b"", hashlib.sha256).digest()).decode()
    assert json.loads(body) == {"timestamp": "1599360473", "sign": expected, "msg_type": "text"}
    assert chat.signed(chat.ChatFormat.WECOM, "https://qyapi.weixin.qq.com/x?key=k", {}, None, 1)[0].endswith(
        "key=k"
    )


def test_bot_refusals_are_read_from_the_answer() -> None:
    chat.check_answer(chat.ChatFormat.WECOM, b'{"errcode": 0, "errmsg": "ok"}')
    chat.check_answer(chat.ChatFormat.SLACK, b"ok")
    with pytest.raises(chat.ChatRefused, match="310000 sign not match"):
        chat.check_answer(chat.ChatFormat.DINGTALK, b'{"errcode": 310000, "errmsg": "sign not match"}')
    with pytest.raises(chat.ChatRefused, match="19021"):
        chat.check_answer(chat.ChatFormat.FEISHU, b'{"code": 19021, "msg": "sign match fail"}')


NOTICE = DunningNoticeIssued.model_validate(
    {
        "notice_id": "3f2c8e1a-0b7d-4c5e-9a6f-1d2e3c4b5a69",
        "customer_code": "C-1001",
        "step": "notice_2",
        "effect": "formal_notice",
        "as_of": "2026-11-24",
        "channels": ["email"],
        "items": [
            {
                "item_id": "INV-1001",
                "due_date": "2026-10-31",
                "days_past_due": 24,
                "open_amount": "1200.00",
                "currency": "EUR",
                # 1,200 × 10.15 % × 24 / 365 = 8.008 → 8.01
                "interest": "8.01",
                "compensation": "40.00",
                "interest_rate": "0.1015",
            },
            {
                "item_id": "INV-1007",
                "due_date": "2026-11-10",
                "days_past_due": 14,
                "open_amount": "350.50",
                "currency": "EUR",
                # 350.50 × 10.15 % × 14 / 365 = 1.365 → 1.36
                "interest": "1.36",
                "compensation": "40.00",
                "interest_rate": "0.1015",
            },
        ],
        "policy_version": "default",
        "earlier": [
            {
                "notice_id": "0d6a7c52-94e1-4b0f-8c3d-5e7f9a1b2c34",
                "step": "reminder",
                "effect": "reminder",
                "as_of": "2026-10-26",
            },
            {
                "notice_id": "5e0c41d2-8a7b-4f3e-b1c9-2d4f6a8e0b13",
                "step": "notice_1",
                "effect": "friendly_notice",
                "as_of": "2026-11-13",
            },
        ],
        "pay_within_days": 7,
    }
)


@pytest.mark.parametrize(("language", "name"), [("en", "Northwind Traders"), ("zh-CN", "华东贸易有限公司")])
def test_the_readme_shows_a_notice_as_the_notifier_writes_it(language: str, name: str) -> None:
    subject, body = render_notice(NOTICE, language=language, customer_name=name)
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert f"```text\nSubject: {subject}\n\n{body.rstrip()}\n```" in readme


def test_notices_write_amounts_and_dates_as_the_language_does() -> None:
    reminder = NOTICE.model_copy(
        update={
            "effect": "reminder",
            "items": [
                NOTICE.items[0].model_copy(
                    update={"days_past_due": -5, "currency": "JPY", "open_amount": Decimal("120000")}
                )
            ],
        }
    )
    subject, body = render_notice(reminder, language="zh-CN", customer_name="华东贸易")
    assert subject == "【华东贸易】付款提醒：JP¥120,000"
    assert "到期日 2026年10月31日：JP¥120,000" in body and "已逾期" not in body
    subject, _ = render_notice(reminder, language="fr", customer_name="Acme")
    assert subject == "[Acme] Payment reminder — ¥120,000"


def test_a_first_letter_reads_as_one_and_a_later_one_names_the_notices_before_it() -> None:
    """An invoice first seen overdue gets the formal notice as its first letter: no word of an
    earlier notice; the final notice names every notice sent before it, with its date and
    reference, and the deadline the policy gives before the next step."""
    first = NOTICE.model_copy(update={"earlier": NOTICE.earlier[:1], "pay_within_days": None})
    subject, body = render_notice(first, language="en", customer_name="Acme")
    assert subject == "[Acme] Payment demand: overdue invoices — €1,550.50"
    assert body.startswith(
        "Dear Acme,\n\nAccording to our records, the following invoices are past their due date "
        "and remain unpaid."
    )
    assert "Despite" not in body and "Please pay the amount due without delay." in body
    subject, body = render_notice(first, language="zh-CN", customer_name="华东贸易")
    assert subject == "【华东贸易】催款通知：€1,550.50"
    assert "根据我们的记录，以下发票已逾期，仍未付款。" in body and "此前" not in body and "已于" not in body

    formal = NOTICE.earlier[1].model_copy(
        update={
            "notice_id": "a3c5e7f9-1b2d-4f6a-8c0e-2d4f6a8c0e1b",
            "step": "notice_2",
            "effect": "formal_notice",
            "as_of": date(2026, 11, 24),
        }
    )
    final = NOTICE.model_copy(
        update={
            "effect": "final_notice",
            "step": "final",
            "as_of": date(2026, 12, 1),
            "earlier": [*NOTICE.earlier, formal],
        }
    )
    subject, body = render_notice(final, language="en", customer_name="Acme")
    assert subject == "[Acme] FINAL NOTICE: overdue invoices — €1,550.50"
    assert (
        "FINAL NOTICE. Despite our notices of November 13, 2026 "
        "(reference 5e0c41d2-8a7b-4f3e-b1c9-2d4f6a8e0b13) and November 24, 2026 "
        "(reference a3c5e7f9-1b2d-4f6a-8c0e-2d4f6a8c0e1b), the following invoices remain unpaid."
    ) in body
    assert "Without payment within 7 days,\nthe matter will be handed over for legal collection." in body
    assert "(interest €8.01 at 10.15% a year)" in body
    subject, body = render_notice(final, language="zh-CN", customer_name="华东贸易")
    assert subject == "【华东贸易】最后催款通知：€1,550.50"
    assert (
        "最后通知：我们已于2026年11月13日（编号：5e0c41d2-8a7b-4f3e-b1c9-2d4f6a8e0b13）、"
        "2026年11月24日（编号：a3c5e7f9-1b2d-4f6a-8c0e-2d4f6a8c0e1b）发出通知，但以下发票仍未付款。"
    ) in body
    assert "如 7 天内仍未付款" in body
    assert "已逾期 24 天：€1,200.00（逾期利息 €8.01，年利率 10.15%）" in body
