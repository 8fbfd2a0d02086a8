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


async def alerts_of(api: Api, code: str, **expected: str) -> list[dict[str, Any]]:
    """The customer's alerts once the newest shows `expected` (the worker's level change reaches
    credit_api through Kafka)."""

    async def shown() -> list[dict[str, Any]] | None:
        page = await api.ok("GET", f"/v1/customers/{code}/alerts", role=Role.CREDIT_CONTROLLER)
        found: list[dict[str, Any]] = page["items"]
        return found if found and all(found[-1][k] == v for k, v in expected.items()) else None

    return await eventually(shown, within=30)


async def customer_file(api: Api, code: str) -> Any:
    return await api.ok("GET", f"/v1/customers/{code}", role=Role.CREDIT_CONTROLLER)


async def blocked_file(api: Api) -> Any:
    body = await customer_file(api, "C-W")
    return body if body["blocked"] else None


async def test_a_customer_goes_warning_critical_and_back_with_one_alert_a_block_and_its_lift(
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
    # 1,100 of invoices not yet due against a limit of 1,000: utilisation 1.1, warning (from 1.0).
    await publish(
        stack.ar_events,
        [
            invoice_event("C-W", "INV-1", "800.00", issue_date="2026-11-20", due_date="2099-12-31"),
            invoice_event("C-W", "INV-2", "300.00", issue_date="2026-11-20", due_date="2099-12-31"),
        ],
    )
    await exposure_when(api, "C-W", "warning")
    [opened] = await alerts_of(api, "C-W", level="warning")
    assert (opened["level"], opened["status"]) == ("warning", "open")
    assert opened["causes"] == [{"indicator": "limit_utilisation", "value": "1.1", "level": "warning"}]
    acknowledged = await api.ok(
        "POST", f"/v1/alerts/{opened['id']}/acknowledge", role=Role.CREDIT_CONTROLLER, json={"note": "on it"}
    )
    assert acknowledged["status"] == "acknowledged"

    # +200: 1.3, critical (from 1.2): the same alert goes up, open again, and the customer is blocked.
    await publish(
        stack.ar_events,
        [invoice_event("C-W", "INV-3", "200.00", issue_date="2026-11-21", due_date="2099-12-31")],
    )
    critical = await exposure_when(api, "C-W", "critical")
    assert {"indicator": "limit_utilisation", "value": "1.3", "level": "critical"} in critical[
        "warning_indicators"
    ]
    [alert] = await alerts_of(api, "C-W", level="critical")
    assert (alert["id"], alert["level"], alert["status"]) == (opened["id"], "critical", "open")
    blocked = await eventually(lambda: blocked_file(api))
    assert (blocked["blocked"], blocked["block_reason"]) == (
        True,
        "early warning: critical (limit_utilisation)",
    )
    held = await order(api, "C-W", "10.00")
    assert (held["decision"], [r["code"] for r in held["reasons"]]) == ("held", ["customer_blocked"])
    work = await api.ok("GET", "/v1/worklist", role=Role.CREDIT_CONTROLLER)
    [chase] = [w for w in work if w["customer_code"] == "C-W"]
    assert (chase["kind"], chase["task_id"], chase["amount_at_risk"]) == (
        "critical_customer",
        None,
        "1300.00",
    )
    assert chase["items"][0]["causes"] == ["limit_utilisation"]

    # A credit note of 200: 1.1, between critical's exit (1.05) and enter (1.2): nothing changes.
    note = {
        "credit_note_id": "CN-1",
        "currency": "EUR",
        "amount": "200.00",
        "issue_date": "2026-11-21",
        "invoice_id": "INV-3",
    }
    await publish(stack.ar_events, [erp_event("credit_note.issued", "C-W", note)])

    async def utilisation_seen() -> bool:
        body = await api.ok("GET", "/v1/customers/C-W/exposure", role=Role.CREDIT_CONTROLLER)
        return (
            any(i["value"] == "1.1" for i in body["warning_indicators"])
            and body["warning_level"] == "critical"
        )

    await eventually(utilisation_seen, within=30)
    assert (await customer_file(api, "C-W"))["blocked"] is True

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

    async def lifted() -> Any:
        body = await customer_file(api, "C-W")
        return body if not body["blocked"] else None

    await eventually(lifted)
    [resolved] = await alerts_of(api, "C-W", status="resolved")
    assert (resolved["status"], resolved["resolved_by"], resolved["note"]) == (
        "resolved",
        "system:early-warning",
        "back to normal",
    )
    approved = await order(api, "C-W", "20.00")
    assert approved["decision"] == "approved"
    audit = await api.ok("GET", "/v1/audit", role=Role.CREDIT_MANAGER, params={"entity_id": "C-W"})
    actions = [e["action"] for e in audit["items"]]
    assert actions.count("customer.blocked") == 1 and actions.count("customer.unblocked") == 1


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


async def test_an_alert_a_person_resolves_while_the_level_persists_is_reopened_once(stack: Platform) -> None:
    api = stack.api
    await api.ok(
        "PUT", "/v1/customers/C-R", role=Role.ERP, status=201, json={"name": "Reopened", "currency": "EUR"}
    )
    await api.ok(
        "PUT",
        "/v1/customers/C-R/credit-limit",
        role=Role.CREDIT_MANAGER,
        json={"amount": "1000.00", "reason": "opening"},
    )

    def invoice(n: int, amount: str) -> dict[str, Any]:
        return invoice_event("C-R", f"INV-{n}", amount, issue_date="2026-11-20", due_date="2099-12-31")

    await publish(stack.ar_events, [invoice(1, "920.00")])  # 0.92: watch
    [opened] = await alerts_of(api, "C-R", level="watch")
    resolved = await api.ok(
        "POST",
        f"/v1/alerts/{opened['id']}/resolve",
        role=Role.CREDIT_CONTROLLER,
        json={"note": "the customer pays on Friday"},
    )
    assert (resolved["status"], resolved["resolved_by"]) == ("resolved", "key:test-credit_controller")

    await publish(stack.ar_events, [invoice(2, "1.00")])  # still watch at the next evaluation
    [reopened] = await alerts_of(api, "C-R", status="open")
    assert (reopened["id"], reopened["level"], reopened["resolved_by"]) == (opened["id"], "watch", None)
    assert reopened["note"].startswith("reopened: still watch at the evaluation of ")
    assert reopened["note"].endswith("after key:test-credit_controller resolved it")

    def listed(**query: str) -> Any:
        return api.ok("GET", "/v1/alerts", role=Role.CREDIT_CONTROLLER, params={"customer": "C-R", **query})

    assert [a["id"] for a in (await listed(indicator="limit_utilisation"))["items"]] == [opened["id"]]
    assert (await listed(indicator="max_days_past_due"))["items"] == []
    assert (await listed(since=reopened["updated_at"]))["items"][0]["id"] == opened["id"]
    assert (await listed(since="2099-01-01T00:00:00Z"))["items"] == []
    assert (await api.request("GET", "/v1/alerts", params={"indicator": "weather"})).status_code == 422

    await publish(stack.ar_events, [invoice(3, "1.00")])  # evaluated again: nothing to reopen

    async def evaluated_three_times() -> bool:
        body = await api.ok("GET", "/v1/customers/C-R/exposure", role=Role.CREDIT_CONTROLLER)
        return any(i["value"] == "0.922" for i in body["warning_indicators"])

    await eventually(evaluated_three_times, within=30)
    audit = await api.ok("GET", "/v1/audit", role=Role.CREDIT_MANAGER, params={"entity_id": opened["id"]})
    assert [e["action"] for e in audit["items"]] == ["alert.reopened", "alert.resolved", "alert.opened"]


async def test_a_reservation_counts_in_utilisation_and_its_release_is_evaluated(stack: Platform) -> None:
    api = stack.api
    await api.ok(
        "PUT", "/v1/customers/C-RS", role=Role.ERP, status=201, json={"name": "Reserving", "currency": "EUR"}
    )
    await api.ok(
        "PUT",
        "/v1/customers/C-RS/credit-limit",
        role=Role.CREDIT_MANAGER,
        json={"amount": "1000.00", "reason": "opening"},
    )
    await exposure_when(api, "C-RS", "normal")  # assessed once, nothing owed
    check = await api.ok(
        "POST",
        "/v1/credit-checks",
        role=Role.ORDER_SYSTEM,
        json={"customer_code": "C-RS", "order_ref": "SO-9", "amount": "950.00", "currency": "EUR"},
    )
    assert check["decision"] == "approved"
    watched = await exposure_when(api, "C-RS", "watch")  # no ledger event: the reservation alone
    assert watched["warning_indicators"] == [
        {"indicator": "limit_utilisation", "value": "0.95", "level": "watch"}
    ]
    await api.ok("DELETE", f"/v1/reservations/{check['reservation']['id']}", role=Role.ORDER_SYSTEM)
    await exposure_when(api, "C-RS", "normal")
    [alert] = await alerts_of(api, "C-RS", status="resolved")
    assert alert["level"] == "watch"
