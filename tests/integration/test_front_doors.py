"""One front door per action: every action the console offers on the credit file, done once through
the console and once through its API twin, from the same starting state, leaves the same state
behind: credit holds, reservations, limits, limit requests, alerts, the audit log and the events
published. Two customers start alike; one is served through the API, the other through the console,
and their states are compared with the customer code and the person's identity left out."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.credit_api.access.users.service import create
from services.credit_api.kernel.settings import ApiSettings
from services.credit_api.warnings.alerts import service as alerts
from shared.events import WarningIndicator, WarningLevelChanged
from shared.roles import Role
from tests.integration.conftest import KAFKA, Api, Platform, eventually
from tests.integration.helpers import drain, invoice_event, outbox_empty, publish

API, CONSOLE = "P-API", "P-CON"
PASSWORD = "correct horse battery staple"


class Person:
    """Someone signed in at the console, posting its forms with the session's CSRF token."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.csrf = ""

    async def sign_in(self, email: str) -> None:
        form = await self.client.get("/console/sign-in")
        token = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert token is not None
        signed = await self.client.post(
            "/console/sign-in", data={"email": email, "password": PASSWORD, "csrf": token.group(1)}
        )
        assert signed.status_code == 303, signed.text
        page = await self.client.get("/console/")
        found = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert found is not None
        self.csrf = found.group(1)

    async def act(self, path: str, **form: str) -> None:
        done = await self.client.post(path, data={"csrf": self.csrf, **form})
        assert done.status_code == 303, done.text
        assert "failed=1" not in done.headers["location"], done.headers["location"]


async def check(api: Api, customer: str, order_ref: str, amount: str) -> dict[str, Any]:
    answer: dict[str, Any] = await api.ok(
        "POST",
        "/v1/credit-checks",
        role=Role.ORDER_SYSTEM,
        json={"customer_code": customer, "order_ref": order_ref, "amount": amount, "currency": "EUR"},
    )
    return answer


async def hold_id(sessions: async_sessionmaker[AsyncSession], customer: str, order_ref: str) -> str:
    async with sessions() as session:
        found = await session.scalar(
            text(
                "SELECT id FROM credit_api.credit_holds "
                "WHERE customer_code = :c AND order_ref = :o AND status = 'open'"
            ),
            {"c": customer, "o": order_ref},
        )
    assert found is not None, (customer, order_ref)
    return str(found)


async def request_id(sessions: async_sessionmaker[AsyncSession], customer: str) -> str:
    async with sessions() as session:
        found = await session.scalar(
            text("SELECT id FROM credit_api.limit_requests WHERE customer_code = :c AND status = 'pending'"),
            {"c": customer},
        )
    assert found is not None, customer
    return str(found)


async def alert_id(sessions: async_sessionmaker[AsyncSession], customer: str) -> str:
    async with sessions() as session:
        found = await session.scalar(
            text("SELECT id FROM credit_api.alerts WHERE customer_code = :c AND status <> 'resolved'"),
            {"c": customer},
        )
    assert found is not None, customer
    return str(found)


STATE = {
    "holds": "SELECT order_ref, amount, status, reasons, resolution_note, reservation_id IS NOT NULL "
    "FROM credit_api.credit_holds WHERE customer_code = :c ORDER BY order_ref",
    "reservations": "SELECT order_ref, amount, status FROM credit_api.reservations "
    "WHERE customer_code = :c ORDER BY order_ref",
    "limits": "SELECT amount, valid_until, reason, superseded_at IS NULL FROM credit_api.credit_limits "
    "WHERE customer_code = :c ORDER BY id",
    "limit_requests": "SELECT amount, status, reason, decision_note FROM credit_api.limit_requests "
    "WHERE customer_code = :c ORDER BY requested_at",
    "customer": "SELECT name, country, industry, payment_terms, review_date, blocked, block_reason, "
    "contacts FROM credit_api.customers WHERE customer_code = :c",
    "reviews": "SELECT decision, note, grade, next_review_date FROM credit_api.reviews "
    "WHERE customer_code = :c ORDER BY id",
    "alerts": "SELECT level, status, causes, note FROM credit_api.alerts WHERE customer_code = :c",
    # Every audit entry about the customer or about its holds, reservations, requests and alerts.
    "audit": "SELECT action, entity_type, before, after FROM credit_api.audit_log WHERE entity_id = :c "
    "OR entity_id IN (SELECT id::text FROM credit_api.credit_holds WHERE customer_code = :c "
    "UNION SELECT id::text FROM credit_api.reservations WHERE customer_code = :c "
    "UNION SELECT id::text FROM credit_api.limit_requests WHERE customer_code = :c "
    "UNION SELECT id::text FROM credit_api.alerts WHERE customer_code = :c) ORDER BY id",
}
# What differs by nature between the doors: ids, times, and who acted (an API key or a person).
VOLATILE = re.compile(r"^(?:.*_id|id|.*_at|at|time|.*_by|actor)$")


def stable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: stable(v) for k, v in value.items() if not VOLATILE.match(k)}
    if isinstance(value, list):
        return [stable(v) for v in value]
    return value


async def state(
    sessions: async_sessionmaker[AsyncSession], customer: str, queries: dict[str, str] = STATE
) -> dict[str, str]:
    async with sessions() as session:
        found = {
            name: json.dumps(
                stable([list(r) for r in (await session.execute(text(sql), {"c": customer})).all()]),
                default=str,
            )
            for name, sql in queries.items()
        }
    return {name: text_.replace(customer, "CUSTOMER") for name, text_ in found.items()}


def events_of(records: list[tuple[bytes, dict[str, str]]], customer: str) -> list[dict[str, Any]]:
    return [
        json.loads(json.dumps(stable({"type": e["type"], **e["data"]})).replace(customer, "CUSTOMER"))
        for e in (json.loads(value) for value, _ in records)
        if e["subject"] == customer
    ]


def warning(customer: str, level: str, previous: str, *, unblock: bool = False) -> WarningLevelChanged:
    critical = level == "critical"
    return WarningLevelChanged(
        customer_code=customer,
        level=level,
        previous_level=previous,
        causes=["max_days_past_due"] if critical else [],
        indicators=[WarningIndicator(indicator="max_days_past_due", value="95", level="critical")]
        if critical
        else [],
        actions=["notify"] if critical else [],
        unblock=unblock,
        policy_version="default-1",
        changed_at=datetime.now(UTC),
    )


async def test_every_console_action_leaves_the_state_its_api_twin_leaves(
    api: Api, api_settings: ApiSettings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions() as session, session.begin():
        await create(session, Role.CREDIT_MANAGER, "Maria Rossi", "maria@example.com", PASSWORD)
        await create(session, Role.CREDIT_CONTROLLER, "Li Wei", "li.wei@example.com", PASSWORD)
    controller, manager = Person(api.browser()), Person(api.browser())
    await controller.sign_in("li.wei@example.com")
    await manager.sign_in("maria@example.com")
    for code in (API, CONSOLE):
        await api.ok(
            "POST",
            "/v1/customers",
            status=201,
            json={"customer_code": code, "name": "Twin Ltd", "currency": "EUR"},
        )
        await api.ok(
            "PUT", f"/v1/customers/{code}/credit-limit", json={"amount": "500.00", "reason": "opening"}
        )

    async def both(through_api: Callable[[str], Any], through_console: Callable[[str], Any]) -> None:
        await through_api(API)
        await through_console(CONSOLE)

    controller_key, manager_key = Role.CREDIT_CONTROLLER, Role.CREDIT_MANAGER

    async def request_limit(amount: str, reason: str) -> None:
        await both(
            lambda c: api.ok(
                "POST",
                "/v1/limit-requests",
                role=controller_key,
                status=201,
                json={"customer_code": c, "amount": amount, "reason": reason},
            ),
            lambda c: controller.act(f"/console/customers/{c}/limit-requests", amount=amount, reason=reason),
        )

    # A blocked customer's order is held; the unblock releases it, through either door.
    await both(
        lambda c: api.ok(
            "POST", f"/v1/customers/{c}/block", role=controller_key, json={"reason": "cheques bounced"}
        ),
        lambda c: controller.act(f"/console/customers/{c}/block", reason="cheques bounced"),
    )
    for code in (API, CONSOLE):
        assert (await check(api, code, "SO-1", "300.00"))["decision"] == "held"
    await both(
        lambda c: api.ok(
            "POST", f"/v1/customers/{c}/unblock", role=controller_key, json={"reason": "paid up"}
        ),
        lambda c: controller.act(f"/console/customers/{c}/unblock", reason="paid up"),
    )
    for code in (API, CONSOLE):
        holds = await api.ok("GET", f"/v1/credit-holds?customer_code={code}", role=controller_key)
        assert [(h["order_ref"], h["status"]) for h in holds["items"]] == [("SO-1", "released")], code

    # An order over the limit waits; a limit request beyond the controller's authority is approved
    # by a manager, and the approval makes room for it.
    for code in (API, CONSOLE):
        assert (await check(api, code, "SO-2", "800.00"))["decision"] == "held"
    await request_limit("60000.00", "turnover doubled")
    api_request, console_request = await request_id(sessions, API), await request_id(sessions, CONSOLE)
    await api.ok(
        "POST", f"/v1/limit-requests/{api_request}/approve", role=manager_key, json={"note": "good payer"}
    )
    await manager.act(f"/console/approvals/{console_request}", decision="approve", note="good payer")
    for code in (API, CONSOLE):
        holds = await api.ok("GET", f"/v1/credit-holds?customer_code={code}&status=open", role=controller_key)
        assert holds["items"] == [], code

    # A request within the controller's authority applies at once; another, pending, is rejected.
    await request_limit("40000.00", "seasonal peak over")
    await request_limit("90000.00", "new contract")
    api_request, console_request = await request_id(sessions, API), await request_id(sessions, CONSOLE)
    await api.ok(
        "POST", f"/v1/limit-requests/{api_request}/reject", role=manager_key, json={"note": "not yet"}
    )
    await manager.act(f"/console/approvals/{console_request}", decision="reject", note="not yet")

    # Held orders released and rejected by hand.
    for code in (API, CONSOLE):
        assert (await check(api, code, "SO-3", "50000.00"))["decision"] == "held"
        assert (await check(api, code, "SO-4", "70000.00"))["decision"] == "held"
    api_hold, console_hold = await hold_id(sessions, API, "SO-3"), await hold_id(sessions, CONSOLE, "SO-3")
    await api.ok(
        "POST", f"/v1/credit-holds/{api_hold}/release", role=controller_key, json={"reason": "prepaid"}
    )
    await controller.act(f"/console/holds/{console_hold}", decision="release", reason="prepaid")
    api_hold, console_hold = await hold_id(sessions, API, "SO-4"), await hold_id(sessions, CONSOLE, "SO-4")
    await api.ok(
        "POST", f"/v1/credit-holds/{api_hold}/reject", role=controller_key, json={"reason": "too much"}
    )
    await controller.act(f"/console/holds/{console_hold}", decision="reject", reason="too much")

    # The credit file edited, and a review completed.
    review_dates = {
        c: (await api.ok("GET", f"/v1/customers/{c}", role=controller_key))["review_date"]
        for c in (API, CONSOLE)
    }
    await both(
        lambda c: api.ok(
            "PATCH",
            f"/v1/customers/{c}",
            role=controller_key,
            json={
                "name": "Twin Trading Ltd",
                "country": "DE",
                "industry": "Wholesale",
                "payment_terms": "NET45",
                "contacts": {"credit_controller_email": "cc@example.com"},
            },
        ),
        lambda c: controller.act(
            f"/console/customers/{c}/file",
            name="Twin Trading Ltd",
            country="DE",
            industry="Wholesale",
            payment_terms="NET45",
            credit_controller_email="cc@example.com",
            # The form shows every field filled in with what the file holds.
            review_date=review_dates[c],
        ),
    )
    await both(
        lambda c: api.ok(
            "POST",
            f"/v1/customers/{c}/reviews",
            role=controller_key,
            status=201,
            json={"decision": "confirmed", "note": "pays on time"},
        ),
        lambda c: controller.act(
            f"/console/customers/{c}/reviews", decision="confirmed", note="pays on time"
        ),
    )

    # An early-warning alert acknowledged, then resolved.
    async with sessions() as session, session.begin():
        for code in (API, CONSOLE):
            await alerts.apply_change(
                session, warning(code, "critical", "normal"), api_settings, datetime.now(UTC)
            )
    await api.ok(
        "POST",
        f"/v1/alerts/{await alert_id(sessions, API)}/acknowledge",
        role=controller_key,
        json={"note": "on it"},
    )
    await controller.act(
        f"/console/alerts/{await alert_id(sessions, CONSOLE)}", decision="acknowledge", note="on it"
    )
    await api.ok(
        "POST",
        f"/v1/alerts/{await alert_id(sessions, API)}/resolve",
        role=controller_key,
        json={"note": "settled"},
    )
    await controller.act(
        f"/console/alerts/{await alert_id(sessions, CONSOLE)}", decision="resolve", note="settled"
    )

    through_api, through_console = await state(sessions, API), await state(sessions, CONSOLE)
    for name in STATE:
        assert through_api[name] == through_console[name], name
    assert '"customer.unblocked"' in through_api["audit"] and '"credit_hold.released"' in through_api["audit"]

    # Both customers' events: 2 holds released automatically (SO-1, SO-2), one by hand, one
    # rejected; each door published the same, in the same order.
    records = await drain(api_settings.credit_events_topic, 8)
    api_events, console_events = events_of(records, API), events_of(records, CONSOLE)
    assert [e["resolution"] for e in api_events] == [
        "automatic",
        "automatic",
        "override",
        "rejected",
    ]
    assert api_events == console_events


async def test_lists_show_the_exposure_the_credit_check_uses(
    api: Api, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions() as session, session.begin():
        await create(session, Role.CREDIT_CONTROLLER, "Li Wei", "li.wei@example.com", PASSWORD)
    await api.ok(
        "POST",
        "/v1/customers",
        status=201,
        json={"customer_code": "R-1", "name": "Reserved", "currency": "EUR"},
    )
    await api.ok("PUT", "/v1/customers/R-1/credit-limit", json={"amount": "5000.00", "reason": "opening"})
    assert (await check(api, "R-1", "SO-1", "1000.00"))["decision"] == "approved"

    exposure = await api.ok("GET", "/v1/customers/R-1/exposure", role=Role.CREDIT_CONTROLLER)
    assert (exposure["exposure"], exposure["utilisation"]) == ("1000.00", "0.2000")
    listed = await api.ok("GET", "/v1/customers", role=Role.CREDIT_CONTROLLER)
    [summary] = [c["exposure_summary"] for c in listed["items"] if c["customer_code"] == "R-1"]
    assert summary == {"exposure": "1000.00", "available": "4000.00", "utilisation": "0.2000"}
    person = Person(api.browser())
    await person.sign_in("li.wei@example.com")
    page = (await person.client.get("/console/customers?q=R-1")).text
    row = page[page.index(">R-1<") :]
    row = row[: row.index("</tr>")]
    assert "€1,000.00" in row and "20.0%" in row, row


COLLECTIONS = {
    "promises": "SELECT item_ids, amount, currency, promised_date, made_on, channel, note, status "
    "FROM credit_api.promises WHERE customer_code = :c ORDER BY promised_date, amount",
    "disputes": "SELECT item_id, reason_code, amount, status, note FROM credit_api.disputes "
    "WHERE customer_code = :c ORDER BY item_id",
    "tasks": "SELECT kind, step, as_of, items, status, outcome, note FROM credit_api.collection_tasks "
    "WHERE customer_code = :c ORDER BY kind, step",
    "steps": "SELECT item_id, step, outcome, as_of FROM credit_api.dunning_steps "
    "WHERE customer_code = :c ORDER BY item_id, step",
    "notices": "SELECT step, effect, as_of, channels, items FROM credit_api.dunning_notices "
    "WHERE customer_code = :c ORDER BY step",
    # The risk worker's reassessments come when they come, not through either door: left out, and
    # so are the grade, score and review date a block's snapshot of the credit file shows (whether
    # the early-warning block came before or after the grading is the consumer's timing).
    "audit": "SELECT action, entity_type, "
    "CASE WHEN jsonb_typeof(before) = 'object' THEN before - '{grade,score,review_date}'::text[] "
    "ELSE before END, "
    "CASE WHEN jsonb_typeof(after) = 'object' THEN after - '{grade,score,review_date}'::text[] "
    "ELSE after END FROM credit_api.audit_log "
    "WHERE action <> 'customer.assessed' AND (entity_id = :c "
    "OR entity_id IN (SELECT id::text FROM credit_api.promises WHERE customer_code = :c "
    "UNION SELECT id::text FROM credit_api.disputes WHERE customer_code = :c "
    "UNION SELECT id::text FROM credit_api.collection_tasks WHERE customer_code = :c)) ORDER BY id",
}


async def published(topic: str) -> list[tuple[bytes, dict[str, str]]]:
    """Everything on the topic so far (the outboxes relayed first)."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=KAFKA, auto_offset_reset="earliest", group_id=None)
    await consumer.start()
    found: list[tuple[bytes, dict[str, str]]] = []
    try:
        while batch := await consumer.getmany(timeout_ms=1000):
            for records in batch.values():
                found.extend((r.value or b"", {}) for r in records)
    finally:
        await consumer.stop()
    return found


async def test_every_collections_action_of_the_console_leaves_the_state_its_api_twin_leaves(
    stack: Platform, sessions: async_sessionmaker[AsyncSession]
) -> None:
    api = stack.api
    async with sessions() as session, session.begin():
        await create(session, Role.CREDIT_CONTROLLER, "Li Wei", "li.wei@example.com", PASSWORD)
    controller = Person(api.browser())
    await controller.sign_in("li.wei@example.com")
    today = datetime.now(UTC).date()
    for code in (API, CONSOLE):
        await api.ok(
            "PUT",
            f"/v1/customers/{code}",
            role=Role.ERP,
            status=201,
            json={
                "name": "Twin Ltd",
                "currency": "EUR",
                "contacts": {"accounts_payable_email": "ap@twin.example"},
            },
        )
        await publish(
            stack.ar_events,
            [
                invoice_event(
                    code,
                    f"{code}-{x}",
                    amount,
                    issue_date=(today - timedelta(days=130)).isoformat(),
                    # Far enough past due that every grade's sequence has reached its legal
                    # hand-over: whatever grade the twins get, the formal notice goes out today,
                    # the final notice a week later and the hand-over, a task, a week after that.
                    due_date=(today - timedelta(days=100)).isoformat(),
                )
                for x, amount in (("A", "400.00"), ("B", "600.00"), ("C", "1500.00"))
            ],
        )

    async def booked() -> bool:
        """Both ledgers booked and both customers graded by the worker's assessment."""
        for code in (API, CONSOLE):
            seen = await api.ok("GET", f"/v1/customers/{code}/exposure", role=Role.CREDIT_CONTROLLER)
            graded = await api.ok("GET", f"/v1/customers/{code}", role=Role.CREDIT_CONTROLLER)
            if seen["open_receivables"] != "2500.00" or graded["grade"] is None:
                return False
        return True

    await eventually(booked, within=30)
    promised = (today + timedelta(days=3)).isoformat()
    await api.ok(
        "POST",
        f"/v1/customers/{API}/promises",
        role=Role.CREDIT_CONTROLLER,
        status=201,
        json={
            "item_ids": [f"{API}-A"],
            "promised_date": promised,
            "channel": "phone",
            "note": "wire on Friday",
        },
    )
    await controller.act(
        f"/console/customers/{CONSOLE}/promises",
        item_id=f"{CONSOLE}-A",
        promised_date=promised,
        note="wire on Friday",
    )
    await api.ok(
        "POST",
        f"/v1/invoices/{API}-B/disputes",
        role=Role.CREDIT_CONTROLLER,
        status=201,
        json={"customer_code": API, "reason_code": "quality", "note": "goods damaged"},
    )
    await controller.act(
        f"/console/customers/{CONSOLE}/disputes",
        item_id=f"{CONSOLE}-B",
        reason_code="quality",
        note="goods damaged",
    )
    # Dunning leaves each customer the same notices and tasks; one task is then worked.
    for days in (0, 7, 14):
        await api.ok("POST", "/v1/dunning-runs", json={"as_of": (today + timedelta(days=days)).isoformat()})
    async with sessions() as session:
        tasks = {
            code: await session.scalar(
                text(
                    "SELECT id FROM credit_api.collection_tasks WHERE customer_code = :c AND status = 'open' "
                    "ORDER BY kind, step LIMIT 1"
                ),
                {"c": code},
            )
            for code in (API, CONSOLE)
        }
    assert tasks[API] is not None and tasks[CONSOLE] is not None
    await api.ok(
        "POST",
        f"/v1/tasks/{tasks[API]}/complete",
        role=Role.CREDIT_CONTROLLER,
        json={"outcome": "reached", "note": "spoke to accounts payable"},
    )
    await controller.act(
        f"/console/worklist/{tasks[CONSOLE]}", outcome="reached", note="spoke to accounts payable"
    )

    through_api = await state(sessions, API, COLLECTIONS)
    through_console = await state(sessions, CONSOLE, COLLECTIONS)
    for name in COLLECTIONS:
        assert through_api[name] == through_console[name], name
    assert '"promise.made"' in through_api["audit"] and '"dispute.opened"' in through_api["audit"]
    await eventually(lambda: outbox_empty(sessions), within=20)
    records = await published(stack.credit_events)
    api_events, console_events = events_of(records, API), events_of(records, CONSOLE)
    assert {e["type"] for e in api_events} >= {"promise.made", "dispute.opened"}
    assert api_events == console_events


async def test_operations_of_the_console_leave_the_state_their_api_twins_leave(
    api: Api, api_settings: ApiSettings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions() as session, session.begin():
        await create(session, Role.ADMIN, "Ada Admin", "ada@example.com", PASSWORD)
    admin = Person(api.browser())
    await admin.sign_in("ada@example.com")
    made = {
        door: await api.ok("POST", "/v1/api-keys", status=201, json={"role": "erp", "name": f"sap-{door}"})
        for door in ("api", "console")
    }
    await api.ok("DELETE", f"/v1/api-keys/{made['api']['id']}")
    await admin.act(f"/console/operations/api-keys/{made['console']['id']}/revoke")
    for key in made.values():
        refused = await api.client.get("/v1/customers", headers={"Authorization": f"Bearer {key['key']}"})
        assert refused.status_code == 401

    # Two dead letters, one sent back through each door.
    async with sessions() as session, session.begin():
        letters = [
            await session.scalar(
                text(
                    "INSERT INTO risk_worker.dead_letters "
                    '(consumer, topic, partition, "offset", key, payload, reason) '
                    "VALUES ('risk-worker', :t, 0, :o, 'C-9', :p, 'unknown invoice') RETURNING id"
                ),
                {
                    "t": api_settings.ar_events_topic,
                    "o": offset,
                    "p": json.dumps(invoice_event("C-9", f"INV-{offset}", "10.00")),
                },
            )
            for offset in (1, 2)
        ]
    await api.ok("POST", "/v1/dead-letters/replay", json={"ids": [letters[0]]})
    await admin.act("/console/operations/dead-letters/replay", ids=str(letters[1]))
    async with sessions() as session:
        replays = [
            list(r)
            for r in await session.execute(
                text(
                    "SELECT a.action, a.after "
                    "FROM risk_worker.dead_letters d JOIN credit_api.audit_log a "
                    "ON a.entity_type = 'dead_letter' AND a.entity_id = d.id::text ORDER BY d.id"
                )
            )
        ]
    assert len(replays) == 2 and replays[0] == replays[1] and replays[0][0] == "dead_letter.replayed"

    shipped = (await api.ok("GET", "/v1/scorecards/default"))["document"]
    await api.ok("PUT", "/v1/scorecards/v-api", status=201, json=shipped)
    await admin.act("/console/operations/policies/scorecard", version="v-con", document=json.dumps(shipped))

    async with sessions() as session:
        audit = {
            door: stable(
                [
                    list(r)
                    for r in await session.execute(
                        text(
                            "SELECT action, entity_type, before, after FROM credit_api.audit_log "
                            "WHERE entity_id = :k OR entity_id = :v ORDER BY id"
                        ),
                        {"k": made[door]["id"], "v": f"v-{door[:3]}"},
                    )
                ]
            )
            for door in ("api", "console")
        }
        versions = {
            door: list(
                (
                    await session.execute(
                        text("SELECT document, active FROM credit_api.scorecards WHERE version = :v"),
                        {"v": f"v-{door[:3]}"},
                    )
                ).one()
            )
            for door in ("api", "console")
        }
    actions = [row[0] for row in audit["api"]]
    assert "api_key.revoked" in actions and any(a.startswith("scorecard.") for a in actions), actions
    assert json.dumps(audit["api"]).replace("sap-api", "X").replace("v-api", "V") == json.dumps(
        audit["console"]
    ).replace("sap-console", "X").replace("v-con", "V")
    assert versions["api"][0] == versions["console"][0]
