"""One front door per action: every action the console offers on the credit file, done once through
the console and once through its API twin, from the same starting state, leaves the same state
behind: credit holds, reservations, limits, limit requests, alerts, the audit log and the events
published. Two customers start alike; one is served through the API, the other through the console,
and their states are compared with the customer code and the person's identity left out."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.credit_api.access.users.service import create
from services.credit_api.kernel.settings import ApiSettings
from services.credit_api.warnings.alerts import service as alerts
from shared.events import WarningIndicator, WarningLevelChanged
from shared.roles import Role
from tests.integration.conftest import Api
from tests.integration.helpers import drain

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


async def state(sessions: async_sessionmaker[AsyncSession], customer: str) -> dict[str, str]:
    async with sessions() as session:
        found = {
            name: json.dumps(
                [list(r) for r in (await session.execute(text(sql), {"c": customer})).all()], default=str
            )
            for name, sql in STATE.items()
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
    await both(
        lambda c: api.ok(
            "POST",
            "/v1/limit-requests",
            role=controller_key,
            status=201,
            json={"customer_code": c, "amount": "60000.00", "reason": "turnover doubled"},
        ),
        lambda c: controller.act(
            f"/console/customers/{c}/limit-requests", amount="60000.00", reason="turnover doubled"
        ),
    )
    api_request, console_request = await request_id(sessions, API), await request_id(sessions, CONSOLE)
    await api.ok(
        "POST", f"/v1/limit-requests/{api_request}/approve", role=manager_key, json={"note": "good payer"}
    )
    await manager.act(f"/console/approvals/{console_request}", decision="approve", note="good payer")
    for code in (API, CONSOLE):
        holds = await api.ok("GET", f"/v1/credit-holds?customer_code={code}&status=open", role=controller_key)
        assert holds["items"] == [], code

    # A request within the controller's authority applies at once; another, pending, is rejected.
    await both(
        lambda c: api.ok(
            "POST",
            "/v1/limit-requests",
            role=controller_key,
            status=201,
            json={"customer_code": c, "amount": "40000.00", "reason": "seasonal peak over"},
        ),
        lambda c: controller.act(
            f"/console/customers/{c}/limit-requests", amount="40000.00", reason="seasonal peak over"
        ),
    )
    await both(
        lambda c: api.ok(
            "POST",
            "/v1/limit-requests",
            role=controller_key,
            status=201,
            json={"customer_code": c, "amount": "90000.00", "reason": "new contract"},
        ),
        lambda c: controller.act(
            f"/console/customers/{c}/limit-requests", amount="90000.00", reason="new contract"
        ),
    )
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
