from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from services.risk_worker.main import serve
from services.risk_worker.settings import WorkerSettings
from shared.roles import Role
from tests.integration.conftest import Api, eventually
from tests.integration.helpers import invoice_event, publish, running

TODAY = date.today()


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


def buckets(ageing: dict[str, Any]) -> dict[str, str]:
    return {b["bucket"]: b["amount"] for b in ageing["buckets"]}


async def test_ageing_now_and_as_of_a_past_date(api: Api, worker_settings: WorkerSettings) -> None:
    await api.ok(
        "POST",
        "/v1/customers",
        status=201,
        json={"customer_code": "C-1", "name": "A", "currency": "EUR", "industry": "wholesale"},
    )
    await api.ok(
        "POST",
        "/v1/customers",
        status=201,
        json={"customer_code": "C-2", "name": "B", "currency": "USD", "industry": "wholesale"},
    )
    payment = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "erp/test",
        "type": "payment.received",
        "subject": "C-1",
        "data": {
            "payment_id": "P-1",
            "customer_code": "C-1",
            "currency": "EUR",
            "amount": "150.00",
            "received_date": day(-10),
            "allocations": [{"invoice_id": "INV-OLD", "amount": "100.00"}],
        },
    }
    events = [
        invoice_event("C-1", "INV-OLD", "300.00", issue_date=day(-100), due_date=day(-70)),
        invoice_event("C-1", "INV-NEW", "200.00", issue_date=day(-5), due_date=day(25)),
        invoice_event("C-1", "INV-USD", "50.00", currency="USD", issue_date=day(-40), due_date=day(-10)),
        payment,
        invoice_event("C-2", "INV-2", "80.00", currency="USD", issue_date=day(-200), due_date=day(-150)),
    ]
    await publish(worker_settings.ar_events_topic, events)
    async with running(serve, worker_settings):

        async def applied() -> dict[str, Any] | None:
            ageing = await api.ok("GET", "/v1/customers/C-1/ageing", role=Role.CREDIT_CONTROLLER)
            return (
                ageing
                if ageing["unallocated_cash"] == "50.00" and ageing["missing_rates"] == ["USD"]
                else None
            )

        now = await eventually(applied)
    assert buckets(now) == {
        "not_due": "200.00",
        "1-30": "0.00",
        "31-60": "0.00",
        "61-90": "200.00",
        "91-120": "0.00",
        ">120": "0.00",
    }
    assert now["unconverted"] == [{"currency": "USD", "amount": "50.00"}]
    await api.ok(
        "PUT", f"/v1/fx-rates/{day(-60)}", role=Role.ERP, json={"base": "EUR", "rates": {"USD": "1.25"}}
    )
    now = await api.ok("GET", "/v1/customers/C-1/ageing", role=Role.CREDIT_CONTROLLER)
    assert buckets(now)["1-30"] == "40.00"
    assert (now["total"], now["missing_rates"]) == ("440.00", [])

    before_payment = await api.ok(
        "GET", "/v1/customers/C-1/ageing", role=Role.CREDIT_CONTROLLER, params={"as_of": day(-20)}
    )
    assert buckets(before_payment)["31-60"] == "300.00"  # 50 days past due then, nothing paid yet
    assert buckets(before_payment)["not_due"] == "40.00"  # INV-USD not due yet; INV-NEW not issued
    assert before_payment["unallocated_cash"] == "0.00"
    by_invoice_date = await api.ok(
        "GET",
        "/v1/customers/C-1/ageing",
        role=Role.CREDIT_CONTROLLER,
        params={"basis": "invoice_date", "buckets": "30,90"},
    )
    assert buckets(by_invoice_date) == {
        "not_due": "0.00",
        "1-30": "200.00",
        "31-90": "40.00",
        ">90": "200.00",
    }

    csv = await api.request(
        "GET", "/v1/customers/C-1/ageing", role=Role.CREDIT_CONTROLLER, headers={"Accept": "text/csv"}
    )
    assert csv.headers["content-type"].startswith("text/csv")
    assert "C-1," + TODAY.isoformat() + ",due_date,EUR,61-90,200.00" in csv.text

    by_customer = await api.ok("GET", "/v1/reports/ageing", role=Role.CREDIT_MANAGER)
    assert [(r["group"], r["currency"], r["total"]) for r in by_customer["rows"]] == [
        ("C-1", "EUR", "440.00"),
        ("C-2", "USD", "80.00"),
    ]
    assert by_customer["rows"][0]["unallocated_cash"] == "50.00"
    by_currency = await api.ok(
        "GET", "/v1/reports/ageing", role=Role.CREDIT_MANAGER, params={"group_by": "currency"}
    )
    assert [(r["group"], r["total"]) for r in by_currency["rows"]] == [("EUR", "400.00"), ("USD", "130.00")]
    by_industry = await api.ok(
        "GET",
        "/v1/reports/ageing",
        role=Role.CREDIT_MANAGER,
        params={"group_by": "industry", "currency": "EUR"},
    )
    assert [(r["group"], r["total"]) for r in by_industry["rows"]] == [("wholesale", "504.00")]
    report_csv = await api.request(
        "GET", "/v1/reports/ageing", role=Role.CREDIT_MANAGER, headers={"Accept": "text/csv"}
    )
    assert report_csv.text.splitlines()[0] == (
        "customer,currency,not_due,1-30,31-60,61-90,91-120,>120,total,unallocated_cash,unapplied_credit"
    )
