"""Promises to pay and disputes against the dunning run, through the real ledger: a promise pauses
its invoices, is kept by a payment or broken after its date and grace (and the broken promise
raises the early-warning indicator); a disputed invoice stays out of dunning until the dispute is
rejected. Every change is audited and published."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from shared.roles import Role
from tests.integration.conftest import Api, Platform, eventually
from tests.integration.helpers import drain, erp_event, invoice_event, publish

CODE = "C-P1"


async def run(api: Api, first: date, last: date) -> dict[str, list[str]]:
    """Dunning day by day; then each of the customer's invoices with the steps it has taken (a
    notice or a task; which one depends on the grade the customer was given)."""
    day = first
    while day <= last:
        await api.ok("POST", "/v1/dunning-runs", json={"as_of": day.isoformat()})
        day += timedelta(days=1)
    body = await api.ok("GET", f"/v1/customers/{CODE}/dunning", role=Role.CREDIT_CONTROLLER)
    taken: dict[str, list[str]] = {}
    for step in body["steps"]:
        if step["outcome"] != "superseded":
            taken.setdefault(step["item_id"], []).append(step["as_of"])
    return taken


async def test_promises_pause_and_resume_dunning_and_disputes_keep_invoices_out(stack: Platform) -> None:
    api = stack.api
    today = datetime.now(UTC).date()
    await api.ok(
        "PUT",
        f"/v1/customers/{CODE}",
        role=Role.ERP,
        status=201,
        json={
            "name": "Promising",
            "currency": "EUR",
            "contacts": {"accounts_payable_email": "ap@p1.example"},
        },
    )
    due = (today - timedelta(days=40)).isoformat()
    issued = (today - timedelta(days=70)).isoformat()
    await publish(
        stack.ar_events,
        [
            invoice_event(CODE, f"INV-{x}", amount, issue_date=issued, due_date=due)
            for x, amount in (("A", "400.00"), ("B", "600.00"), ("C", "1500.00"))
        ],
    )

    async def booked() -> Any:
        ageing = await api.ok("GET", f"/v1/customers/{CODE}/exposure", role=Role.CREDIT_CONTROLLER)
        return ageing["open_receivables"] == "2500.00"

    await eventually(booked, within=30)
    promised = (today + timedelta(days=2)).isoformat()
    staff = Role.CREDIT_CONTROLLER
    kept = await api.ok(
        "POST",
        f"/v1/customers/{CODE}/promises",
        role=staff,
        status=201,
        json={"item_ids": ["INV-A"], "promised_date": promised, "note": "paying by wire"},
    )
    assert (kept["amount"], kept["currency"], kept["status"]) == ("400.00", "EUR", "open")
    await api.ok(
        "POST",
        f"/v1/customers/{CODE}/promises",
        role=staff,
        status=201,
        json={"item_ids": ["INV-B"], "promised_date": promised, "channel": "email"},
    )
    dispute = await api.ok(
        "POST",
        "/v1/invoices/INV-C/disputes",
        role=staff,
        status=201,
        json={"reason_code": "quantity", "amount": "100.00", "note": "1 pallet short"},
    )
    assert (dispute["customer_code"], dispute["status"], dispute["amount"]) == (CODE, "open", "100.00")

    # Everything is paused: nothing goes out.
    assert await run(api, today + timedelta(days=1), today + timedelta(days=1)) == {}
    payment = {
        "payment_id": "P-A",
        "currency": "EUR",
        "amount": "400.00",
        "received_date": (today + timedelta(days=1)).isoformat(),
        "allocations": [{"invoice_id": "INV-A", "amount": "400.00"}],
    }
    await publish(stack.ar_events, [erp_event("payment.received", CODE, payment)])

    async def paid() -> Any:
        body = await api.ok("GET", f"/v1/customers/{CODE}/exposure", role=Role.CREDIT_CONTROLLER)
        return body["open_receivables"] == "2100.00"

    await eventually(paid, within=30)
    # Through the promised date plus the 3 days of grace: INV-A's promise kept, INV-B's still open.
    assert await run(api, today + timedelta(days=2), today + timedelta(days=5)) == {}
    promises = await api.ok("GET", f"/v1/customers/{CODE}/promises", role=staff)
    assert [p["status"] for p in promises] == ["kept", "open"]
    # The day after the grace, INV-B's promise is broken and INV-B is dunned; INV-C stays out.
    day6 = (today + timedelta(days=6)).isoformat()
    assert await run(api, today + timedelta(days=6), today + timedelta(days=6)) == {"INV-B": [day6]}
    promises = await api.ok("GET", f"/v1/customers/{CODE}/promises", role=staff)
    assert [p["status"] for p in promises] == ["kept", "broken"]
    work = await api.ok("GET", "/v1/worklist", role=staff)
    [follow_up] = [w for w in work if (w["customer_code"], w["kind"]) == (CODE, "broken_promise")]
    assert follow_up["items"][0]["promise_id"] == promises[1]["id"]
    assert follow_up["amount_at_risk"] == "600.00"

    async def warned() -> Any:
        body = await api.ok("GET", f"/v1/customers/{CODE}/exposure", role=Role.CREDIT_CONTROLLER)
        shown = {i["indicator"]: i["value"] for i in body["warning_indicators"]}
        return body if shown.get("broken_promises") == "1" else None

    await eventually(warned, within=30)
    # The dispute rejected, INV-C is dunned again at the next notice the gap allows.
    rejected = await api.ok(
        "POST",
        f"/v1/disputes/{dispute['id']}/resolve",
        role=staff,
        json={"resolution": "rejected", "note": "delivery note signed in full"},
    )
    assert rejected["status"] == "rejected"
    taken = await run(api, today + timedelta(days=7), today + timedelta(days=12))
    assert "INV-C" in taken and "INV-A" not in taken
    types = [json.loads(v)["type"] for v, _ in await drain(stack.credit_events, 7)]
    assert sorted(types) == sorted(
        [
            "promise.made",
            "promise.made",
            "dispute.opened",
            "promise.kept",
            "interest.claimed",  # INV-A, paid after its due date
            "promise.broken",
            "dispute.resolved",
        ]
    )


async def test_promises_and_disputes_refuse_what_cannot_be(stack: Platform) -> None:
    api, staff = stack.api, Role.CREDIT_CONTROLLER
    await api.ok(
        "PUT", "/v1/customers/C-P2", role=Role.ERP, status=201, json={"name": "P2", "currency": "EUR"}
    )
    await publish(
        stack.ar_events,
        [invoice_event("C-P2", "INV-1", "100.00", issue_date="2026-10-01", due_date="2026-10-31")],
    )

    async def booked() -> Any:
        body = await api.ok("GET", "/v1/customers/C-P2/exposure", role=Role.CREDIT_CONTROLLER)
        return body["open_receivables"] == "100.00"

    await eventually(booked, within=30)
    tomorrow = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()
    refused = await api.ok(
        "POST",
        "/v1/customers/C-P2/promises",
        role=staff,
        status=422,
        json={"item_ids": ["INV-9"], "promised_date": "2020-01-01"},
    )
    assert {e["pointer"] for e in refused["errors"]} == {"#/item_ids", "#/promised_date"}
    too_much = await api.ok(
        "POST",
        "/v1/customers/C-P2/promises",
        role=staff,
        status=422,
        json={"item_ids": ["INV-1"], "amount": "150.00", "promised_date": tomorrow},
    )
    assert too_much["errors"] == [{"pointer": "#/amount", "detail": "more than the invoices owe (100.00)"}]
    overall = await api.ok(
        "POST",
        "/v1/customers/C-P2/promises",
        role=staff,
        status=201,
        json={"amount": "50.00", "promised_date": tomorrow},
    )
    assert (overall["item_ids"], overall["currency"]) == ([], "EUR")
    assert (
        await api.request("POST", "/v1/invoices/INV-404/disputes", role=staff, json={"reason_code": "price"})
    ).status_code == 404
    await api.ok("POST", "/v1/invoices/INV-1/disputes", role=staff, status=201, json={"reason_code": "price"})
    twice = await api.request(
        "POST", "/v1/invoices/INV-1/disputes", role=staff, json={"reason_code": "price"}
    )
    assert twice.status_code == 409
    audit = await api.ok("GET", "/v1/audit", role=Role.CREDIT_MANAGER, params={"entity_id": overall["id"]})
    assert [e["action"] for e in audit["items"]] == ["promise.made"]


async def test_an_accepted_dispute_closes_when_its_credit_note_arrives(stack: Platform) -> None:
    api, staff = stack.api, Role.CREDIT_CONTROLLER
    await api.ok(
        "PUT", "/v1/customers/C-P3", role=Role.ERP, status=201, json={"name": "P3", "currency": "EUR"}
    )
    await publish(
        stack.ar_events,
        [invoice_event("C-P3", "INV-7", "3000.00", issue_date="2026-10-01", due_date="2026-10-31")],
    )

    async def owed(amount: str) -> Any:
        body = await api.ok("GET", "/v1/customers/C-P3/exposure", role=Role.CREDIT_CONTROLLER)
        return body["open_receivables"] == amount

    await eventually(lambda: owed("3000.00"), within=30)
    dispute = await api.ok(
        "POST",
        "/v1/invoices/INV-7/disputes",
        role=staff,
        status=201,
        json={"reason_code": "price", "amount": "100.00"},
    )
    await api.ok(
        "POST",
        f"/v1/disputes/{dispute['id']}/resolve",
        role=staff,
        json={"resolution": "accepted", "note": "agreed"},
    )
    today = datetime.now(UTC).date()
    note = {
        "credit_note_id": "CN-7",
        "currency": "EUR",
        "amount": "100.00",
        "issue_date": today.isoformat(),
        "invoice_id": "INV-7",
    }
    await publish(stack.ar_events, [erp_event("credit_note.issued", "C-P3", note)])
    await eventually(lambda: owed("2900.00"), within=30)
    await api.ok("POST", "/v1/dunning-runs", json={"as_of": (today + timedelta(days=1)).isoformat()})
    [closed] = await api.ok("GET", "/v1/customers/C-P3/disputes", role=staff)
    assert closed["status"] == "closed"
    # Closed, the invoice's remaining 2,900 (above every step's minimum, whatever the grade) is
    # dunned again like any other, in that same run.
    steps = (await api.ok("GET", "/v1/customers/C-P3/dunning", role=staff))["steps"]
    assert any(s["item_id"] == "INV-7" and s["outcome"] != "superseded" for s in steps)
