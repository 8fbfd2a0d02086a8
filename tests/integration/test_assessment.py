"""Credit assessment through real Kafka and PostgreSQL: statements over HTTP and as events, a
customer turning late loses grade and score, the credit file follows, a new scorecard reassesses
everyone, redeliveries count nothing twice, terms give due dates, the review queue, and a round of
reassessment after events taking only the customers due when it began."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaConsumer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.credit_api.credit.financial_statements.schemas import EXAMPLE
from services.risk_worker.assessments import repository as assessments
from shared import scorecards
from shared.domain.behaviour import add_months
from shared.models.risk_worker import OpenItem
from shared.roles import Role
from tests.integration.conftest import KAFKA, Api, Platform, eventually
from tests.integration.helpers import erp_event, invoice_event, publish

TODAY = date.today()
STATEMENT = EXAMPLE


async def customer(api: Api, code: str, **extra: Any) -> None:
    body = {
        "name": f"Customer {code}",
        "currency": "EUR",
        "country": "DE",
        "industry": "wholesale",
        "customer_since": "2018-01-01",
        **extra,
    }
    await api.ok("PUT", f"/v1/customers/{code}", role=Role.ERP, status=201, json=body)


def paid_invoices(
    code: str, prefix: str, count: int, days_late: int, *, first_due: date
) -> list[dict[str, Any]]:
    """`count` invoices of 10,000 due a week apart from `first_due`, each paid `days_late` days after
    its due date (never after today)."""
    events = []
    for n in range(count):
        due = first_due + timedelta(days=7 * n)
        paid = min(due + timedelta(days=days_late), TODAY)
        invoice_id = f"{prefix}-{n}"
        events.append(
            invoice_event(
                code,
                invoice_id,
                "10000.00",
                issue_date=(due - timedelta(days=30)).isoformat(),
                due_date=due.isoformat(),
            )
        )
        events.append(
            erp_event(
                "payment.received",
                code,
                {
                    "payment_id": f"P-{invoice_id}",
                    "currency": "EUR",
                    "amount": "10000.00",
                    "received_date": paid.isoformat(),
                    "allocations": [{"invoice_id": invoice_id, "amount": "10000.00"}],
                },
            )
        )
    return events


async def assessment(api: Api, code: str, when: Any = bool) -> dict[str, Any]:
    async def found() -> dict[str, Any] | None:
        response = await api.request("GET", f"/v1/customers/{code}/assessment", role=Role.CREDIT_CONTROLLER)
        body = response.json()
        return body if response.status_code == 200 and when(body) else None

    return await eventually(found, within=30)


async def changes_published(topic: str, code: str) -> list[dict[str, Any]]:
    """Every risk.assessment_changed of this customer on the topic so far, once the outbox relay
    has gone quiet."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=KAFKA, auto_offset_reset="earliest", group_id=None)
    await consumer.start()
    found: list[dict[str, Any]] = []
    try:
        quiet = 0
        while quiet < 3:
            batch = await consumer.getmany(timeout_ms=500)
            records = [json.loads(r.value) for rs in batch.values() for r in rs if r.value]
            found.extend(records)
            quiet = 0 if records else quiet + 1
    finally:
        await consumer.stop()
    return [e["data"] for e in found if e["type"] == "risk.assessment_changed" and e["subject"] == code]


async def test_a_customer_turning_late_loses_score_and_grade_and_the_credit_file_follows(
    stack: Platform,
) -> None:
    api = stack.api
    await customer(api, "C-LATE")
    start = TODAY - timedelta(days=300)
    prompt = paid_invoices("C-LATE", "ON", 6, 0, first_due=start)
    await publish(stack.ar_events, prompt)
    good = await assessment(api, "C-LATE", lambda a: a["payment_behaviour"]["settled_invoices"] == 6)
    assert good["payment_behaviour"]["payment_index"] == 80
    assert good["payment_behaviour"]["on_time_share"] == "1.0000"
    assert good["missing"][0] == "financial statements"

    late = paid_invoices("C-LATE", "LATE", 6, 75, first_due=TODAY - timedelta(days=160))
    overdue = invoice_event(
        "C-LATE",
        "OPEN-1",
        "30000.00",
        issue_date=(TODAY - timedelta(days=121)).isoformat(),
        due_date=(TODAY - timedelta(days=91)).isoformat(),
    )
    await publish(stack.ar_events, [*late, overdue])
    bad = await assessment(api, "C-LATE", lambda a: a["payment_behaviour"]["settled_invoices"] == 12)
    assert bad["payment_behaviour"]["payment_index"] < 60
    assert bad["payment_behaviour"]["max_days_past_due"] == 91
    assert float(bad["score"]) < float(good["score"])
    assert bad["grade"] > good["grade"]  # A is best: a later letter is a worse grade
    assert {r["code"] for r in bad["reasons"][:2]} == {"payment_index", "days_beyond_terms"}

    async def graded() -> dict[str, Any] | None:
        body = await api.ok("GET", "/v1/customers/C-LATE", role=Role.CREDIT_CONTROLLER)
        return body if body["grade"] == bad["grade"] and body["score"] == bad["score"] else None

    credit_file = await eventually(graded)
    assert credit_file["review_date"] is not None
    listed = await api.ok("GET", "/v1/customers", role=Role.CREDIT_CONTROLLER, params={"grade": bad["grade"]})
    assert "C-LATE" in [c["customer_code"] for c in listed["items"]]

    # Each change of score or grade is published once; redelivered events change nothing.
    history = await api.ok("GET", "/v1/customers/C-LATE/assessment/history", role=Role.CREDIT_CONTROLLER)
    published = await changes_published(stack.risk_events, "C-LATE")
    transitions: list[tuple[str, str]] = []
    for change in reversed(history["items"]):
        if not transitions or transitions[-1] != (change["score"], change["grade"]):
            transitions.append((change["score"], change["grade"]))
    assert [(p["score"], p["grade"]) for p in published] == transitions
    assert published[0]["previous_grade"] is None
    await publish(stack.ar_events, [*prompt, *late, overdue])
    await publish(stack.ar_events, [invoice_event("C-LATE", "MARK", "1.00", due_date=TODAY.isoformat())])
    after = await assessment(api, "C-LATE", lambda a: a["assessed_at"] > bad["assessed_at"])
    assert after["payment_behaviour"] == {**bad["payment_behaviour"]}
    assert len(await changes_published(stack.risk_events, "C-LATE")) == len(published) + (
        0 if (after["score"], after["grade"]) == (bad["score"], bad["grade"]) else 1
    )


async def test_statements_over_http_and_as_events_are_scored(stack: Platform) -> None:
    api = stack.api
    await customer(api, "C-FIN")
    previous = {
        **STATEMENT,
        "current_assets": "400000.00",
        "total_assets": "900000.00",
        "equity": "300000.00",
    }
    filed = await api.ok(
        "PUT", "/v1/customers/C-FIN/financial-statements/2024-12-31", role=Role.ERP, status=202, json=previous
    )
    assert filed["ratios"]["current"] == {"value": "1.6000", "change": None, "reason": None}
    await api.ok(
        "PUT",
        "/v1/customers/C-FIN/financial-statements/2025-12-31",
        role=Role.ERP,
        status=202,
        json=STATEMENT,
    )
    scored = await assessment(
        api, "C-FIN", lambda a: a["altman"] is not None and a["ratios"]["current"]["change"]
    )
    assert scored["altman"] == {
        "model": "Z''",
        "x": ["0.2500", "0.1500", "0.1200", "0.6667"],
        "score": "3.64",
        "zone": "safe",
        "note": None,
    }
    assert scored["ratios"]["current"] == {"value": "2.0000", "change": "0.4000", "reason": None}
    # No payment history yet (missing points) puts it at 79.6, a B: the lower of 15% of equity and
    # 10% of revenue.
    assert (scored["score"], scored["grade"], scored["recommended_limit"]) == ("79.6", "B", "60000.00")
    statements = await api.ok("GET", "/v1/customers/C-FIN/financial-statements", role=Role.CREDIT_CONTROLLER)
    assert [s["period_end"] for s in statements] == ["2025-12-31", "2024-12-31"]
    assert statements[0]["figures"]["equity"] == "400000.00"

    problem = await api.ok(
        "PUT",
        "/v1/customers/C-FIN/financial-statements/2023-12-31",
        role=Role.ERP,
        status=422,
        json={**STATEMENT, "total_assets": "1500000.00", "inventory": "-1.00"},
    )
    assert problem["type"] == "urn:credence:problem:inconsistent-financial-statement"
    assert {e["pointer"] for e in problem["errors"]} == {"#/inventory", "#/total_assets"}

    # The same figures from an ERP, as a CloudEvent on the ERP topic.
    await customer(api, "C-EVT", listed=True, industry="manufacturing")
    event = erp_event(
        "financial_statement.filed",
        "C-EVT",
        {**STATEMENT, "period_end": "2025-12-31", "market_value_equity": "900000.00"},
    )
    await publish(stack.ar_events, [event, event])
    by_event = await assessment(api, "C-EVT", lambda a: a["altman"] is not None)
    # A listed manufacturer: Z = 1.2·0.25 + 1.4·0.15 + 3.3·0.12 + 0.6·1.5 + 1.0·2.0 = 3.806.
    assert (by_event["altman"]["model"], by_event["altman"]["score"]) == ("Z", "3.81")
    assert len(await api.ok("GET", "/v1/customers/C-EVT/financial-statements", role=Role.CREDIT_MANAGER)) == 1


async def test_a_new_scorecard_reassesses_everyone(stack: Platform) -> None:
    api = stack.api
    for code in ("C-A", "C-B", "C-C"):
        await customer(api, code)
    for code in ("C-A", "C-B", "C-C"):
        await assessment(api, code)
    document = scorecards.default_document()
    document["grades"][0]["min_score"] = 99  # hardly anyone is an A any more
    stored = await api.ok("PUT", "/v1/scorecards/strict-2027", status=201, json=document)
    assert stored["active"] is True
    again = await api.ok("PUT", "/v1/scorecards/strict-2027", json=document)
    assert again["version"] == "strict-2027"
    taken = await api.ok("PUT", "/v1/scorecards/strict-2027", status=409, json=scorecards.default_document())
    assert taken["type"] == "urn:credence:problem:policy-version-taken"
    for code in ("C-A", "C-B", "C-C"):
        redone = await assessment(api, code, lambda a: a["scorecard_version"] == "strict-2027")
        history = await api.ok("GET", f"/v1/customers/{code}/assessment/history", role=Role.CREDIT_MANAGER)
        assert history["items"][0]["trigger"] == "scorecard"
        assert history["items"][0]["scorecard_version"] == "strict-2027"
        assert redone["grade"] != "A"
    active = await api.ok("GET", "/v1/scorecards/active", role=Role.CREDIT_CONTROLLER)
    assert active["version"] == "strict-2027"
    versions = await api.ok("GET", "/v1/scorecards", role=Role.CREDIT_CONTROLLER)
    assert [(v["version"], v["active"]) for v in versions] == [("strict-2027", True), ("default", False)]


async def test_an_invalid_scorecard_is_refused_with_pointers(api: Api) -> None:
    document = scorecards.default_document()
    document["grades"][1]["terms"] = "NET 45"
    document["factors"][0]["name"] = "shoe_size"
    problem = await api.ok("PUT", "/v1/scorecards/broken", status=422, json=document)
    assert problem["type"] == "urn:credence:problem:invalid-scorecard"
    assert {e["pointer"] for e in problem["errors"]} == {"#/factors/0/name", "#/grades/1/terms"}
    refused = await api.ok("PUT", "/v1/scorecards/x", status=403, role=Role.CREDIT_MANAGER, json=document)
    assert refused["type"] == "urn:credence:problem:forbidden"


async def test_payment_terms_give_the_due_date_of_an_invoice_that_carries_none(
    stack: Platform, sessions: async_sessionmaker[AsyncSession]
) -> None:
    api = stack.api
    await customer(api, "C-TERMS", payment_terms="EOM30")
    await customer(api, "C-NOTERMS")
    await publish(
        stack.ar_events,
        [
            invoice_event("C-TERMS", "INV-T", "100.00", issue_date="2026-03-10", due_date=None),
            invoice_event("C-NOTERMS", "INV-N", "100.00", issue_date="2026-03-10", due_date=None),
        ],
    )

    async def stored() -> date | None:
        async with sessions() as session:
            return (
                await session.execute(select(OpenItem.due_date).where(OpenItem.item_id == "INV-T"))
            ).scalar_one_or_none()

    assert await eventually(stored) == date(2026, 4, 30)

    async def dead() -> list[dict[str, Any]]:
        listed = await api.ok("GET", "/v1/dead-letters", role=Role.ERP)
        return [d for d in listed["items"] if "INV-N" in d["reason"]]

    [letter] = await eventually(dead)
    assert "has no due_date and customer C-NOTERMS has no payment terms" in letter["reason"]


async def test_the_review_queue(stack: Platform) -> None:
    api = stack.api
    await customer(api, "C-REV")
    graded = await assessment(api, "C-REV")
    await api.ok(
        "PUT",
        "/v1/customers/C-REV/credit-limit",
        role=Role.CREDIT_MANAGER,
        json={"amount": "10000.00", "reason": "opening"},
    )
    file = await api.ok("GET", "/v1/customers/C-REV", role=Role.CREDIT_CONTROLLER)
    months = graded["review_months"]
    # A limit change sets the next review one review period of the grade away.
    assert file["review_date"] == add_months(TODAY, months).isoformat()
    due = await api.ok(
        "GET",
        "/v1/reviews",
        role=Role.CREDIT_CONTROLLER,
        params={"due_before": (TODAY + timedelta(days=31 * months + 1)).isoformat()},
    )
    [row] = [r for r in due["items"] if r["customer_code"] == "C-REV"]
    assert (row["current_limit"], row["recommended_terms"]) == ("10000.00", graded["recommended_terms"])
    assert not [
        r
        for r in (await api.ok("GET", "/v1/reviews", role=Role.CREDIT_CONTROLLER))["items"]
        if r["customer_code"] == "C-REV"
    ]
    review = await api.ok(
        "POST",
        "/v1/customers/C-REV/reviews",
        role=Role.CREDIT_MANAGER,
        status=201,
        json={"decision": "confirmed", "note": "figures in line; limit kept"},
    )
    assert review["next_review_date"] == add_months(TODAY, months).isoformat() == file["review_date"]
    audit = await api.ok("GET", "/v1/audit", role=Role.CREDIT_MANAGER, params={"entity_id": "C-REV"})
    assert "customer.reviewed" in [e["action"] for e in audit["items"]]


async def test_a_round_of_reassessment_leaves_customers_marked_during_it_to_the_next(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Under a steady stream of events, batches mark customers due again while a round runs; were
    they taken in the same round, it would never end and a busy customer would be reassessed
    without pause instead of once per interval."""
    async with sessions.begin() as session:
        await assessments.mark_due(session, ["EARLY"], None)
    round_began = datetime.now(UTC)
    async with sessions.begin() as session:
        await assessments.mark_due(session, ["DURING"], None)
    async with sessions.begin() as session:
        assert await assessments.take_due(session, 100, marked_by=round_began) == [("EARLY", None)]
        assert await assessments.take_due(session, 100, marked_by=round_began) == []
    async with sessions.begin() as session:
        assert await assessments.take_due(session, 100, marked_by=datetime.now(UTC)) == [("DURING", None)]
