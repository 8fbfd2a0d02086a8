"""Early warning through real Kafka and PostgreSQL: a customer's level follows its indicators with
hysteresis, the exposure view shows it and the indicators behind it, and the credit check holds
orders while the warning policy says so."""

from __future__ import annotations

from typing import Any

from shared import warning_policies
from shared.roles import Role
from tests.integration.conftest import Api, Platform, eventually
from tests.integration.helpers import erp_event, invoice_event, publish


async def exposure_when(api: Api, code: str, level: str) -> dict[str, Any]:
    async def shown() -> dict[str, Any] | None:
        body = await api.ok("GET", f"/v1/customers/{code}/exposure", role=Role.CREDIT_CONTROLLER)
        found: dict[str, Any] = body
        return found if found["warning_level"] == level else None

    return await eventually(shown, within=30)


async def order(api: Api, code: str, amount: str) -> Any:
    return await api.ok(
        "POST",
        "/v1/credit-checks",
        role=Role.ORDER_SYSTEM,
        json={
            "customer_code": code,
            "order_ref": f"SO-{amount}",
            "amount": amount,
            "currency": "EUR",
            "reserve": False,
        },
    )


async def test_utilisation_drives_the_level_up_and_back_down_and_critical_holds_orders(
    stack: Platform,
) -> None:
    api = stack.api
    await api.ok(
        "PUT",
        "/v1/customers/C-W",
        role=Role.ERP,
        status=201,
        json={"name": "Warned", "currency": "EUR", "country": "DE", "industry": "wholesale"},
    )
    await api.ok(
        "PUT",
        "/v1/customers/C-W/credit-limit",
        role=Role.CREDIT_MANAGER,
        json={"amount": "1000.00", "reason": "opening"},
    )
    # 1,300 of invoices not yet due against a limit of 1,000: utilisation 1.3, critical (from 1.2).
    await publish(
        stack.ar_events,
        [
            invoice_event("C-W", "INV-1", "800.00", issue_date="2026-11-20", due_date="2099-12-31"),
            invoice_event("C-W", "INV-2", "500.00", issue_date="2026-11-20", due_date="2099-12-31"),
        ],
    )
    critical = await exposure_when(api, "C-W", "critical")
    assert critical["warning_causes"] == ["limit_utilisation"]
    assert {"indicator": "limit_utilisation", "value": "1.3", "level": "critical"} in critical[
        "warning_indicators"
    ]
    held = await order(api, "C-W", "10.00")
    assert (held["decision"], [r["code"] for r in held["reasons"]]) == ("held", ["critical_warning"])

    # 1,100 open (1.1): between critical's exit (1.05) and enter (1.2): nothing changes.
    note = {
        "credit_note_id": "CN-1",
        "currency": "EUR",
        "amount": "200.00",
        "issue_date": "2026-11-21",
        "invoice_id": "INV-2",
    }
    await publish(stack.ar_events, [erp_event("credit_note.issued", "C-W", note)])
    still = await exposure_when(api, "C-W", "critical")

    async def utilisation_seen() -> bool:
        body = await api.ok("GET", "/v1/customers/C-W/exposure", role=Role.CREDIT_CONTROLLER)
        return (
            any(i["value"] == "1.1" for i in body["warning_indicators"])
            and body["warning_level"] == "critical"
        )

    assert still["warning_level"] == "critical"
    await eventually(utilisation_seen, within=30)

    # A payment of 400 leaves 700 open (0.7): at or past every exit, watch's (0.8) too: normal.
    payment = {
        "payment_id": "P-1",
        "currency": "EUR",
        "amount": "400.00",
        "received_date": "2026-11-22",
        "allocations": [{"invoice_id": "INV-1", "amount": "400.00"}],
    }
    await publish(stack.ar_events, [erp_event("payment.received", "C-W", payment)])
    normal = await exposure_when(api, "C-W", "normal")
    assert normal["warning_indicators"] == []
    approved = await order(api, "C-W", "20.00")
    assert approved["decision"] == "approved"


async def test_an_uploaded_warning_policy_takes_effect_at_the_next_evaluation(stack: Platform) -> None:
    api = stack.api
    document = warning_policies.default_document()
    document["indicators"]["limit_utilisation"]["watch"] = {"enter": "0.10", "exit": "0.05"}
    stored = await api.ok("PUT", "/v1/warning-policies/cautious", status=201, json=document)
    assert (stored["version"], stored["active"]) == ("cautious", True)
    active = await api.ok("GET", "/v1/warning-policies/active", role=Role.CREDIT_MANAGER)
    assert active["document"]["indicators"]["limit_utilisation"]["watch"]["enter"] == "0.10"
    await api.ok(
        "PUT",
        "/v1/customers/C-P",
        role=Role.ERP,
        status=201,
        json={"name": "Cautious", "currency": "EUR"},
    )
    await api.ok(
        "PUT",
        "/v1/customers/C-P/credit-limit",
        role=Role.CREDIT_MANAGER,
        json={"amount": "1000.00", "reason": "opening"},
    )
    await publish(
        stack.ar_events,
        [invoice_event("C-P", "INV-1", "200.00", issue_date="2026-11-20", due_date="2099-12-31")],
    )
    watched = await exposure_when(api, "C-P", "watch")
    assert watched["warning_causes"] == ["limit_utilisation"]
    broken = {**document, "indicators": {"limit_utilisation": {"watch": {"enter": 1, "exit": 2}}}}
    problem = await api.ok("PUT", "/v1/warning-policies/broken", status=422, json=broken)
    assert problem["type"] == "urn:credence:problem:invalid-warning-policy"
    assert problem["errors"][0]["pointer"] == "#/indicators/limit_utilisation/watch"
