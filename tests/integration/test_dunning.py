"""The dunning run over consecutive days through the real ledger: the default policy's steps for a
customer without a grade, one notice per customer and step, the minimum gap, small balances held
back, a payment taking its invoice out of dunning, the final notice's credit stop, tasks, and a day
run twice doing nothing twice."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.notifier.main import serve as serve_notifier
from services.notifier.settings import NotifierSettings
from services.risk_worker.main import serve as serve_worker
from services.risk_worker.settings import WorkerSettings
from shared.models.views import open_items
from shared.roles import Role
from tests.integration.conftest import Api, eventually
from tests.integration.helpers import erp_event, invoice_event, publish, running
from tests.integration.receivers import Mailbox, smtp_server


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as box:
        yield box


async def customer(
    api: Api, code: str, language: str = "en", payables: str | None = None, controller: str | None = None
) -> None:
    body: dict[str, Any] = {"name": code, "currency": "EUR", "language": language}
    contacts = {"accounts_payable_email": payables, "credit_controller_email": controller}
    body["contacts"] = {k: v for k, v in contacts.items() if v}
    await api.ok("PUT", f"/v1/customers/{code}", role=Role.ERP, status=201, json=body)


async def open_amounts(sessions: async_sessionmaker[AsyncSession]) -> dict[str, str]:
    async with sessions() as session:
        rows = (await session.execute(select(open_items.c.item_id, open_items.c.open_amount))).all()
    return {item: f"{amount:.2f}" for item, amount in rows}


async def test_dunning_day_by_day_through_the_ledger(
    api: Api,
    worker_settings: WorkerSettings,
    notifier_settings: NotifierSettings,
    sessions: async_sessionmaker[AsyncSession],
    mailbox: Mailbox,
) -> None:
    await customer(api, "C-D1", payables="ap@d1.example", controller="li.wei@example.com")
    await customer(api, "C-D2", "zh-CN", payables="ap@d2.example")
    await customer(api, "C-D3")  # no accounts-payable address
    # No grade yet: the `default` steps (as grade C): reminder −7, notice_1 +3, notice_2 +10,
    # call +20 (from 250), final +30 (from 100), legal +50 (from 1,000); 5 days between notices.
    notifier = notifier_settings.model_copy(update={"smtp_port": mailbox.port})
    async with running(serve_worker, worker_settings), running(serve_notifier, notifier):
        await publish(
            worker_settings.ar_events_topic,
            [
                invoice_event("C-D1", "INV-1", "1000.00", issue_date="2026-08-01", due_date="2026-09-01"),
                invoice_event("C-D1", "INV-2", "300.00", issue_date="2026-08-05", due_date="2026-09-05"),
                invoice_event("C-D2", "INV-9", "80.00", issue_date="2026-08-01", due_date="2026-09-01"),
                invoice_event("C-D3", "INV-30", "500.00", issue_date="2026-08-01", due_date="2026-09-01"),
            ],
        )

        async def booked() -> bool:
            return len(await open_amounts(sessions)) == 4

        await eventually(booked)
        runs: list[dict[str, Any]] = []

        async def days(first: date, last: date) -> None:
            day = first
            while day <= last:
                runs.append(await api.ok("POST", "/v1/dunning-runs", json={"as_of": day.isoformat()}))
                day += timedelta(days=1)

        await days(date(2026, 8, 20), date(2026, 9, 9))
        payment = {
            "payment_id": "P-2",
            "currency": "EUR",
            "amount": "300.00",
            "received_date": "2026-09-10",
            "allocations": [{"invoice_id": "INV-2", "amount": "300.00"}],
        }
        await publish(worker_settings.ar_events_topic, [erp_event("payment.received", "C-D1", payment)])

        async def paid() -> bool:
            return (await open_amounts(sessions))["INV-2"] == "0.00"

        await eventually(paid)
        await days(date(2026, 9, 10), date(2026, 10, 25))

        async def mailed() -> bool:
            return len(mailbox.messages) >= 9

        await eventually(mailed, within=30)
    again = await api.ok("POST", "/v1/dunning-runs", json={"as_of": "2026-09-04"})
    assert (again["already_done"], again["notices"]) == (True, 0)

    notices = (await api.ok("GET", "/v1/dunning-notices?limit=100", role=Role.CREDIT_CONTROLLER))["items"]
    sent = [(n["as_of"], n["customer_code"], n["step"], [i["item_id"] for i in n["items"]]) for n in notices]
    assert sorted(s for s in sent if s[1] != "C-D3") == sorted(
        [
            ("2026-08-25", "C-D1", "reminder", ["INV-1"]),
            ("2026-08-30", "C-D1", "reminder", ["INV-2"]),  # due 29 August, held 1 day by the gap
            ("2026-09-04", "C-D1", "notice_1", ["INV-1"]),
            ("2026-09-09", "C-D1", "notice_1", ["INV-2"]),  # due 8 September, held by the gap
            ("2026-09-14", "C-D1", "notice_2", ["INV-1"]),  # due 11 September, held by the gap
            ("2026-10-01", "C-D1", "final", ["INV-1"]),  # INV-2 was paid: it left dunning
            ("2026-08-25", "C-D2", "reminder", ["INV-9"]),
            ("2026-09-04", "C-D2", "notice_1", ["INV-9"]),
            ("2026-09-11", "C-D2", "notice_2", ["INV-9"]),  # 80: below the call's and final's minimum
        ]
    )
    final = next(n for n in notices if n["step"] == "final" and n["customer_code"] == "C-D1")
    # Interest at the ECB rate in force on 1 July 2026 (2.15 %) + 8 points, 30 days on 1,000:
    # 1,000 × 0.1015 × 30 / 365 = 8.342 → 8.34; and the EUR 40 compensation.
    assert final["items"] == [
        {
            "item_id": "INV-1",
            "due_date": "2026-09-01",
            "days_past_due": 30,
            "open_amount": "1000.00",
            "currency": "EUR",
            "interest": "8.34",
            "compensation": "40.00",
            "interest_rate": "0.1015",
        }
    ]
    assert (final["effect"], final["channels"]) == ("final_notice", ["email", "webhook"])
    d1 = await api.ok("GET", "/v1/customers/C-D1/dunning", role=Role.CREDIT_CONTROLLER)
    assert [(t["kind"], t["as_of"]) for t in d1["tasks"]] == [
        ("phone_task", "2026-09-21"),
        ("legal_handover", "2026-10-21"),
    ]
    assert [(s["step"], s["outcome"]) for s in d1["steps"] if s["item_id"] == "INV-1"] == [
        ("reminder", "notice"),
        ("notice_1", "notice"),
        ("notice_2", "notice"),
        ("call", "task"),
        ("final", "notice"),
        ("legal", "task"),
    ]
    blocked = await api.ok("GET", "/v1/customers/C-D1")
    assert (blocked["blocked"], blocked["block_reason"]) == (True, "dunning: final notice")
    assert (await api.ok("GET", "/v1/customers/C-D2"))["blocked"] is False
    assert (await api.ok("GET", "/v1/customers/C-D2/dunning", role=Role.CREDIT_CONTROLLER))["tasks"] == []
    assert sum(r["notices"] for r in runs) == len(notices)
    # The notices went out once each to the accounts-payable address, in the customer's language.
    mails = {(m["To"], m["Subject"]): m.get_content() for m in mailbox.messages}
    assert len(mails) == len(mailbox.messages) == 9
    final_mail = mails[("ap@d1.example", "[C-D1] FINAL NOTICE: overdue invoices — €1,000.00")]
    assert (
        "INV-1          due September 1, 2026, 30 days overdue: €1,000.00 (interest €8.34 at 10.15% a year)"
        in final_mail
    )
    assert "Late interest to date: €8.34; fixed compensation for late payment: €40.00" in final_mail
    assert "Deliveries on credit are suspended" in final_mail
    # The notice carries the customer's portal link, which worked for sixty days from the notice.
    [portal] = re.findall(r"at your portal:\s+http://127\.0\.0\.1:8000(/portal/\S+/)", final_mail)
    expired = await api.browser().get(portal)
    assert expired.status_code == 403 and "This link has expired" in expired.text
    replies = {m["To"]: m["Reply-To"] for m in mailbox.messages}
    assert replies == {"ap@d1.example": "li.wei@example.com", "ap@d2.example": None}
    second = mails[("ap@d2.example", "【C-D2】第二次催款通知：€80.00")]
    assert "到期日 2026年9月1日，已逾期 10 天：€80.00" in second
    assert re.search(r"或对发票提出争议并附上单据：\s+http://127\.0\.0\.1:8000/portal/", second)
    # It names the notice before it, by its date and reference.
    first = next(n for n in notices if (n["customer_code"], n["step"]) == ("C-D2", "notice_1"))
    assert second.startswith(
        f"C-D2：\n\n我们已于2026年9月4日发出通知（编号：{first['id']}），但以下发票仍未付款。"
    )
    # Without an address, the notice is a task for a person instead of a silent drop.
    d3 = await api.ok("GET", "/v1/customers/C-D3/dunning", role=Role.CREDIT_CONTROLLER)
    assert [(t["kind"], t["step"]) for t in d3["tasks"]][:2] == [
        ("no_address", "reminder"),
        ("no_address", "notice_1"),
    ]
    assert not any(m["To"] is None for m in mailbox.messages)
    refused = await api.request(
        "POST", "/v1/dunning-runs", role=Role.CREDIT_CONTROLLER, json={"as_of": "2026-11-01"}
    )
    assert refused.status_code == 403

    # The worklist: most valuable first; a call completed with a promise records the promise.
    work = await api.ok("GET", "/v1/worklist", role=Role.CREDIT_CONTROLLER)
    kinds = [(w["customer_code"], w["kind"]) for w in work]
    assert {("C-D1", "phone_task"), ("C-D1", "legal_handover"), ("C-D3", "no_address")} <= set(kinds)
    priorities = [Decimal(w["priority"]) for w in work]
    assert priorities == sorted(priorities, reverse=True)
    call = next(w for w in work if (w["customer_code"], w["kind"]) == ("C-D1", "phone_task"))
    # Not graded yet: the riskiest grade's probability of default (E, 0.25); and with no payment
    # ever seen, an invoice two months overdue is not expected within 30 days: 1,000 × 1.
    assert (call["amount_at_risk"], call["probability_of_default"], call["priority"]) == (
        "1000.00",
        "0.25",
        "1000.00",
    )
    tomorrow = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()
    done = await api.ok(
        "POST",
        f"/v1/tasks/{call['task_id']}/complete",
        role=Role.CREDIT_CONTROLLER,
        json={
            "outcome": "promise_made",
            "note": "pays tomorrow",
            "promise": {"item_ids": ["INV-1"], "promised_date": tomorrow},
        },
    )
    assert (done["status"], done["outcome"]) == ("completed", "promise_made")
    [promise] = await api.ok("GET", "/v1/customers/C-D1/promises", role=Role.CREDIT_CONTROLLER)
    assert (str(promise["id"]), promise["amount"]) == (done["promise_id"], "1000.00")
    again = await api.request(
        "POST",
        f"/v1/tasks/{call['task_id']}/complete",
        role=Role.CREDIT_CONTROLLER,
        json={"outcome": "reached"},
    )
    assert again.status_code == 409
    assert call["task_id"] not in [
        w["task_id"] for w in await api.ok("GET", "/v1/worklist", role=Role.CREDIT_CONTROLLER)
    ]


async def test_an_uploaded_dunning_policy_is_used_from_the_next_run(
    api: Api, worker_settings: WorkerSettings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await customer(api, "C-U1", payables="ap@u1.example")
    async with running(serve_worker, worker_settings):
        await publish(
            worker_settings.ar_events_topic,
            [invoice_event("C-U1", "INV-U", "700.00", issue_date="2026-08-01", due_date="2026-09-01")],
        )

        async def booked() -> bool:
            return "INV-U" in await open_amounts(sessions)

        await eventually(booked)
    first: list[dict[str, Any]] = [
        {
            "name": "warn",
            "offset_days": 1,
            "effect": "formal_notice",
            "channels": ["email"],
            "template": "formal_notice",
        },
        {"name": "ring", "offset_days": 2, "effect": "phone_task", "min_amount": "500"},
    ]
    document = {"currency": "EUR", "steps": {"default": first}}
    broken = {
        **document,
        "steps": {"default": [{"name": "late", "offset_days": 3, "effect": "formal_notice"}]},
    }
    problem = await api.ok("PUT", "/v1/dunning-policies/no-channels", status=422, json=broken)
    assert problem["errors"][0]["pointer"] == "#/steps/default/0/channels"
    ring = {"name": "ring", "offset_days": 2, "effect": "phone_task", "min_amount": "500"}
    cyclic = {
        **document,
        "steps": {
            "default": [
                {**ring, "after": "legal"},
                {"name": "legal", "offset_days": 9, "effect": "legal_handover", "after": "ring"},
                {"name": "later", "offset_days": 20, "effect": "phone_task", "after": "nobody"},
            ]
        },
    }
    problem = await api.ok("PUT", "/v1/dunning-policies/cyclic", status=422, json=cyclic)
    assert [(e["pointer"], e["detail"]) for e in problem["errors"]] == [
        ("#/steps/default/0/after", "a cycle of presuppositions: ring → legal → ring"),
        ("#/steps/default/1/after", "a cycle of presuppositions: legal → ring → legal"),
        ("#/steps/default/2/after", "unknown step `nobody`; the steps of default: ring, legal, later"),
    ]
    stored = await api.ok("PUT", "/v1/dunning-policies/ring-first", status=201, json=document)
    assert (stored["version"], stored["active"]) == ("ring-first", True)
    result = await api.ok("POST", "/v1/dunning-runs", json={"as_of": "2026-09-05"})
    assert (result["policy_version"], result["notices"], result["tasks"]) == ("ring-first", 0, 1)
    dunned = await api.ok("GET", "/v1/customers/C-U1/dunning", role=Role.CREDIT_CONTROLLER)
    assert [(t["kind"], t["step"]) for t in dunned["tasks"]] == [("phone_task", "ring")]
    # First seen 4 days late: the call, the warning superseded. A later policy makes a final notice
    # presuppose the warning: the warning goes out first, once, and the final notice two days on.
    final = {
        "name": "final",
        "offset_days": 3,
        "effect": "final_notice",
        "channels": ["email"],
        "template": "final_notice",
        "after": "warn",
        "gap_days": 2,
    }
    later = {**document, "steps": {"default": [*first, final]}}
    await api.ok("PUT", "/v1/dunning-policies/final-after-warning", status=201, json=later)
    for day in ("2026-09-06", "2026-09-07", "2026-09-08", "2026-09-09"):
        await api.ok("POST", "/v1/dunning-runs", json={"as_of": day})
    dunned = await api.ok("GET", "/v1/customers/C-U1/dunning", role=Role.CREDIT_CONTROLLER)
    assert sorted((s["as_of"], s["step"], s["outcome"]) for s in dunned["steps"]) == [
        ("2026-09-05", "ring", "task"),
        ("2026-09-06", "warn", "notice"),
        ("2026-09-08", "final", "notice"),
    ]
    notices = (await api.ok("GET", "/v1/dunning-notices?customer=C-U1", role=Role.CREDIT_CONTROLLER))["items"]
    assert sorted((n["as_of"], n["step"]) for n in notices) == [
        ("2026-09-06", "warn"),
        ("2026-09-08", "final"),
    ]
