"""The walking skeleton, end to end, through the real broker and database: customer and limit over
HTTP, an invoice through Kafka into the ledger, the next credit check seeing it, and the early
warning it raises (limit utilisation) delivered by email and webhook."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from services.notifier.main import serve as serve_notifier
from services.notifier.settings import NotifierSettings
from shared.roles import Role
from tests.integration.conftest import Platform, eventually
from tests.integration.helpers import invoice_event, publish, running
from tests.integration.receivers import smtp_server, webhook_receiver


async def test_invoice_to_exposure_to_held_check_to_alert_email_and_webhook(
    stack: Platform, notifier_settings: NotifierSettings
) -> None:
    api = stack.api
    await api.ok(
        "POST",
        "/v1/customers",
        role=Role.ERP,
        status=201,
        json={
            "customer_code": "C-42",
            "name": "Northwind Traders",
            "currency": "EUR",
            "language": "en",
            "contacts": {"credit_controller_email": "controller@example.com"},
        },
    )
    await api.ok(
        "PUT",
        "/v1/customers/C-42/credit-limit",
        role=Role.CREDIT_MANAGER,
        json={"amount": "10000.00", "reason": "opening limit"},
    )
    order = {
        "customer_code": "C-42",
        "order_ref": "SO-1",
        "amount": "3000.00",
        "currency": "EUR",
        "reserve": False,
    }
    first = await api.ok("POST", "/v1/credit-checks", role=Role.ORDER_SYSTEM, json=order)
    assert first["decision"] == "approved"

    with smtp_server() as mailbox:
        async with webhook_receiver() as hooks:
            notifier = notifier_settings.model_copy(
                update={"smtp_port": mailbox.port, "webhook_urls": hooks.url}
            )
            async with running(serve_notifier, notifier):
                # Not yet due, whatever day the test runs: the check decides on today's date.
                dates = {
                    "issue_date": f"{date.today() - timedelta(days=5)}",
                    "due_date": f"{date.today() + timedelta(days=25)}",
                }
                await publish(
                    stack.ar_events,
                    [
                        invoice_event("C-42", "INV-1", "6000.00", **dates),
                        invoice_event("C-42", "INV-2", "5000.00", **dates),
                    ],
                )

                async def exposure_seen() -> dict[str, Any] | None:
                    check = await api.ok("POST", "/v1/credit-checks", role=Role.ORDER_SYSTEM, json=order)
                    return check if check["exposure_before"] == "11000.00" else None

                second = await eventually(exposure_seen)
                assert second["decision"] == "held"
                assert second["reasons"][0]["code"] == "limit_exceeded"
                assert second["reasons"][0]["details"]["shortfall"] == "4000.00"

                async def delivered() -> bool:
                    return bool(mailbox.messages) and bool(hooks.requests)

                await eventually(delivered)

    [mail] = mailbox.messages
    assert mail["To"] == "controller@example.com"
    assert mail["Subject"] == "[Credence] WARNING: Northwind Traders (C-42) — early warning"
    assert "Limit utilisation: 110% (warning)" in mail.get_content()
    [(headers, body)] = hooks.requests
    alert = json.loads(body)
    assert (alert["type"], alert["subject"], alert["data"]["kind"]) == (
        "alert.raised",
        "C-42",
        "early_warning",
    )
    assert alert["data"]["details"]["causes"] == [
        {"indicator": "limit_utilisation", "value": "1.1", "level": "warning"}
    ]
    assert headers["webhook-signature"].startswith("v1,")
