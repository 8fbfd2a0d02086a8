import uuid
from datetime import UTC, datetime

from services.notifier.dispatcher import sign_webhook
from services.notifier.templates import render_alert
from shared.events import AlertRaised

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
