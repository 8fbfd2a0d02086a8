"""Credit checks weigh the limits of the customer's credit group and of every group above it, over
PostgreSQL and Kafka: an order is held with `group_limit_exceeded` when a group would go over;
checks of different members fired at once never overshoot a group together, and decide as a
sequential replay of the same arrivals would; a held order is let through when a sibling pays,
when the group's limit is raised, or when a member leaves the group."""

from __future__ import annotations

import asyncio
import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.credit_api.kernel.settings import ApiSettings
from services.risk_worker.main import serve as serve_worker
from services.risk_worker.settings import WorkerSettings
from shared.roles import Role
from tests.integration.conftest import Api, api_client, eventually
from tests.integration.helpers import erp_event, invoice_event, publish, running

# Two sub-groups of five members under one parent: the parent's limit is the tight one, and each
# sub-group's binds too when its own members crowd it.
PARENT, SUBS = "P", {"A": Decimal("1200.00"), "B": Decimal("1200.00")}
PARENT_LIMIT = Decimal("2000.00")
MEMBERS = {f"M{n}": ("A" if n < 5 else "B") for n in range(10)}
OWN_LIMIT = Decimal("600.00")


async def group(api: Api, code: str, limit: Decimal, parent: str | None = None) -> None:
    body = {"name": code, "currency": "EUR", **({"parent": parent} if parent else {})}
    await api.ok("PUT", f"/v1/credit-groups/{code}", role=Role.CREDIT_MANAGER, json=body, status=201)
    await api.ok(
        "PUT",
        f"/v1/credit-groups/{code}/credit-limit",
        role=Role.CREDIT_MANAGER,
        json={"amount": f"{limit}", "reason": "group review"},
    )


async def member(api: Api, code: str, group_code: str | None, limit: Decimal = OWN_LIMIT) -> None:
    body = {"name": code, "currency": "EUR", "credit_group": group_code}
    await api.ok("PUT", f"/v1/customers/{code}", role=Role.ERP, json=body, status=201)
    opening = {"amount": f"{limit}", "reason": "opening"}
    await api.ok("PUT", f"/v1/customers/{code}/credit-limit", json=opening)


async def check(api: Api, customer: str, order_ref: str, amount: str, own: str | None = None) -> Any:
    if own is not None:
        raised = {"amount": own, "reason": "raised"}
        await api.ok("PUT", f"/v1/customers/{customer}/credit-limit", json=raised)
    return await api.ok(
        "POST",
        "/v1/credit-checks",
        role=Role.ORDER_SYSTEM,
        json={"customer_code": customer, "order_ref": order_ref, "amount": amount, "currency": "EUR"},
    )


async def open_holds(api: Api) -> list[dict[str, Any]]:
    page = await api.ok("GET", "/v1/credit-holds?status=open", role=Role.CREDIT_CONTROLLER)
    return list(page["items"])


@pytest.mark.parametrize("seed", [20261206, 31])
async def test_concurrent_checks_across_a_groups_members_never_overshoot_and_match_a_replay(
    api: Api, sessions: async_sessionmaker[AsyncSession], seed: int
) -> None:
    await group(api, PARENT, PARENT_LIMIT)
    for code, limit in SUBS.items():
        await group(api, code, limit, parent=PARENT)
    for code, sub in MEMBERS.items():
        await member(api, code, sub)
    rng = random.Random(seed)
    asked = [
        {
            "customer_code": rng.choice(list(MEMBERS)),
            # Few orders per member: checks replace each other's reservations.
            "order_ref": f"SO-{rng.randrange(6)}",
            "amount": f"{rng.randrange(2000, 25000) / 100:.2f}",
            "currency": "EUR",
        }
        for _ in range(200)
    ]
    responses = await asyncio.gather(
        *(api.request("POST", "/v1/credit-checks", role=Role.ORDER_SYSTEM, json=body) for body in asked)
    )
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses if r.status_code != 200]
    answered = {r.json()["check_id"]: r.json() for r in responses}

    async with sessions() as session:
        rows = (
            await session.execute(
                text(
                    "SELECT id::text, customer_code, order_ref, amount, decision, reasons "
                    "FROM credit_api.credit_checks ORDER BY decided_seq"
                )
            )
        ).all()
        live_now = (
            await session.execute(
                text(
                    "SELECT customer_code, order_ref, amount FROM credit_api.reservations "
                    "WHERE status = 'active'"
                )
            )
        ).all()
    assert {r.id for r in rows} == set(answered)

    # The sequential replay: each member's live reservations by order, each check against them, its
    # own limit first, then its sub-group's, then the parent's.
    live: dict[tuple[str, str], Decimal] = {}

    def exposure(members: set[str], order: tuple[str, str]) -> Decimal:
        return sum((a for key, a in live.items() if key[0] in members and key != order), Decimal(0))

    held_by_group = 0
    for r in rows:
        order = (r.customer_code, r.order_ref)
        sub = MEMBERS[r.customer_code]
        own_after = exposure({r.customer_code}, order) + r.amount
        over = [
            (code, limit, exposure(members, order))
            for code, limit, members in (
                (sub, SUBS[sub], {m for m, s in MEMBERS.items() if s == sub}),
                (PARENT, PARENT_LIMIT, set(MEMBERS)),
            )
            if exposure(members, order) + r.amount > limit
        ]
        if own_after > OWN_LIMIT:
            expected, codes = "held", ["limit_exceeded"]
        elif over:
            expected, codes = "held", ["group_limit_exceeded"] * len(over)
            held_by_group += 1
            details = [reason["details"] for reason in r.reasons]
            assert [(d["group"], d["limit"], d["exposure_before"]) for d in details] == [
                (code, f"{limit}", f"{before:.2f}") for code, limit, before in over
            ], r
        else:
            expected, codes = "approved", [c["code"] for c in r.reasons]
        assert (r.decision, [c["code"] for c in r.reasons][: len(codes)]) == (expected, codes), r
        assert answered[r.id]["decision"] == r.decision
        if r.decision == "approved":
            live[order] = r.amount
    assert {(c, o): a for c, o, a in live_now} == live
    assert sum(live.values(), Decimal(0)) <= PARENT_LIMIT  # never an overshoot of the parent
    for sub, limit in SUBS.items():
        assert sum((a for (c, _), a in live.items() if MEMBERS[c] == sub), Decimal(0)) <= limit
    assert held_by_group > 10  # the group limits were reached, not only the members' own


async def test_a_group_limit_holds_an_order_with_the_groups_figures_and_a_raise_lets_it_through(
    api: Api,
) -> None:
    await group(api, "G", Decimal("1000.00"))
    await member(api, "S1", "G")
    await member(api, "S2", "G")
    await member(api, "S3", None)
    assert (await check(api, "S1", "SO-1", "550.00"))["decision"] == "approved"
    held = await check(api, "S2", "SO-2", "500.00")
    assert held["decision"] == "held"
    [reason] = held["reasons"]
    assert reason["code"] == "group_limit_exceeded"
    assert reason["message"] == (
        "Exposure of credit group G after this order would exceed its limit by 50.00 EUR"
    )
    assert reason["details"] == {
        "group": "G",
        "currency": "EUR",
        "limit": "1000.00",
        "exposure_before": "550.00",
        "exposure_after": "1050.00",
        "shortfall": "50.00",
    }
    # The customer's own figures stay its own.
    assert (held["exposure_before"], held["effective_limit"]) == ("0.00", "600.00")
    # A customer outside the group is not held by it.
    assert (await check(api, "S3", "SO-3", "500.00"))["decision"] == "approved"
    group_view = await api.ok("GET", "/v1/credit-groups/G", role=Role.CREDIT_CONTROLLER)
    assert (group_view["exposure"], group_view["utilisation"]) == ("550.00", "0.5500")

    await api.ok(
        "PUT",
        "/v1/credit-groups/G/credit-limit",
        role=Role.CREDIT_MANAGER,
        json={"amount": "1100.00", "reason": "group review"},
    )
    assert await open_holds(api) == []
    group_view = await api.ok("GET", "/v1/credit-groups/G", role=Role.CREDIT_CONTROLLER)
    assert group_view["exposure"] == "1050.00"


async def test_a_member_leaving_the_group_makes_room_for_a_siblings_held_order(api: Api) -> None:
    await group(api, "G", Decimal("1000.00"))
    await member(api, "S1", "G")
    await member(api, "S2", "G")
    assert (await check(api, "S1", "SO-1", "600.00"))["decision"] == "approved"
    assert (await check(api, "S2", "SO-2", "500.00"))["decision"] == "held"
    await api.ok("PATCH", "/v1/customers/S1", role=Role.CREDIT_MANAGER, json={"credit_group": None})
    assert await open_holds(api) == []
    assert (await api.ok("GET", "/v1/credit-groups/G", role=Role.CREDIT_CONTROLLER))["exposure"] == "500.00"


async def test_a_held_order_is_released_when_a_sibling_pays_through_the_ledger(
    api_settings: ApiSettings, worker_settings: WorkerSettings, keys: dict[Role, str]
) -> None:
    settings = api_settings.model_copy(update={"consume_events": True})
    async with api_client(settings, keys) as api, running(serve_worker, worker_settings):
        await group(api, "G", Decimal("1000.00"))
        await member(api, "S1", "G", limit=Decimal("2000.00"))
        await member(api, "S2", "G")
        await publish(worker_settings.ar_events_topic, [invoice_event("S1", "INV-1", "900.00")])

        async def invoiced() -> bool:
            found = await api.ok("GET", "/v1/credit-groups/G", role=Role.CREDIT_CONTROLLER)
            return bool(found["exposure"] == "900.00")

        await eventually(invoiced)
        held = await check(api, "S2", "SO-2", "300.00")
        assert (held["decision"], held["reasons"][0]["details"]["exposure_before"]) == ("held", "900.00")
        payment = {
            "payment_id": "PAY-1",
            "currency": "EUR",
            "amount": "400.00",
            "received_date": "2026-11-20",
            "allocations": [{"invoice_id": "INV-1", "amount": "400.00"}],
        }
        await publish(worker_settings.ar_events_topic, [erp_event("payment.received", "S1", payment)])

        async def released() -> bool:
            return not await open_holds(api)

        await eventually(released)
        found = await api.ok("GET", "/v1/credit-groups/G", role=Role.CREDIT_CONTROLLER)
        assert found["exposure"] == "800.00"  # 500 still owed by S1, 300 now reserved for S2
        page = await api.ok("GET", "/v1/credit-holds?status=released", role=Role.CREDIT_CONTROLLER)
        assert [h["order_ref"] for h in page["items"]] == ["SO-2"]


async def test_a_temporary_group_increase_lets_a_held_order_through_inside_its_window(api: Api) -> None:
    await group(api, "G", Decimal("1000.00"))
    await member(api, "S1", "G")
    await member(api, "S2", "G")
    assert (await check(api, "S1", "SO-1", "550.00"))["decision"] == "approved"
    assert (await check(api, "S2", "SO-2", "500.00"))["decision"] == "held"
    today = date.today()
    window = {"valid_from": f"{today}", "valid_until": f"{today + timedelta(days=10)}"}
    later = {"valid_from": f"{today + timedelta(days=20)}", "valid_until": f"{today + timedelta(days=30)}"}
    await api.ok(
        "POST",
        "/v1/credit-groups/G/temporary-limits",
        role=Role.CREDIT_CONTROLLER,
        json={"amount": "5000.00", **later, "reason": "next season"},
        status=201,
    )
    assert len(await open_holds(api)) == 1  # an increase not in force yet makes no room
    granted = await api.ok(
        "POST",
        "/v1/credit-groups/G/temporary-limits",
        role=Role.CREDIT_CONTROLLER,
        json={"amount": "100.00", **window, "reason": "year-end shipments"},
        status=201,
    )
    assert (granted["group"], granted["amount"], granted["currency"]) == ("G", "100.00", "EUR")
    assert await open_holds(api) == []
    found = await api.ok("GET", "/v1/credit-groups/G", role=Role.CREDIT_CONTROLLER)
    assert (found["credit_limit"]["amount"], found["effective_limit"], found["exposure"]) == (
        "1000.00",
        "1100.00",
        "1050.00",
    )
    beyond = await api.request(
        "POST",
        "/v1/credit-groups/G/temporary-limits",
        role=Role.CREDIT_CONTROLLER,
        json={"amount": "60000.00", **window, "reason": "too much for a controller"},
    )
    assert (beyond.status_code, beyond.json()["type"]) == (403, "urn:credence:problem:authority-exceeded")
    listed = await api.ok("GET", "/v1/credit-groups/G/temporary-limits", role=Role.CREDIT_CONTROLLER)
    assert [t["amount"] for t in listed] == ["5000.00", "100.00"]


async def test_a_group_limit_beyond_the_requesters_authority_waits_for_a_second_person(api: Api) -> None:
    await group(api, "G", Decimal("1000.00"))
    await member(api, "S1", "G")
    assert (await check(api, "S1", "SO-1", "1500.00", own="2000.00"))["decision"] == "held"
    request = await api.ok(
        "POST",
        "/v1/limit-requests",
        role=Role.CREDIT_CONTROLLER,
        json={"credit_group": "G", "amount": "80000.00", "reason": "the whole group's turnover doubled"},
        status=201,
    )
    assert (request["status"], request["credit_group"], request["customer_code"], request["currency"]) == (
        "pending",
        "G",
        None,
        "EUR",
    )
    listed = await api.ok("GET", "/v1/limit-requests?credit_group=G", role=Role.CREDIT_MANAGER)
    assert [r["id"] for r in listed["items"]] == [request["id"]]
    own = await api.request(
        "POST", f"/v1/limit-requests/{request['id']}/approve", role=Role.CREDIT_CONTROLLER, json={}
    )
    assert own.status_code == 403
    await api.ok("POST", f"/v1/limit-requests/{request['id']}/approve", role=Role.CREDIT_MANAGER, json={})
    found = await api.ok("GET", "/v1/credit-groups/G", role=Role.CREDIT_CONTROLLER)
    assert (found["credit_limit"]["amount"], found["credit_limit"]["set_by"]) == (
        "80000.00",
        "key:test-credit_controller, approved by key:test-credit_manager",
    )
    assert await open_holds(api) == []  # the held order passes under the approved limit
    both = await api.request(
        "POST",
        "/v1/limit-requests",
        role=Role.CREDIT_CONTROLLER,
        json={"credit_group": "G", "customer_code": "S1", "amount": "1.00", "reason": "which one?"},
    )
    assert both.status_code == 422


async def test_a_groups_warning_level_is_its_worst_members(
    api: Api, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await group(api, "P", Decimal("1000.00"))
    await group(api, "A", Decimal("1000.00"), parent="P")
    await member(api, "S1", "A")
    await member(api, "S2", "P")
    async with sessions() as session, session.begin():
        await session.execute(
            text(
                "INSERT INTO risk_worker.warning_levels (customer_code, level, holds_orders, causes, "
                "indicators, policy_version, since, evaluated_at) "
                "VALUES ('S1', 2, false, '[]', '{}', 'test', now(), now())"
            )
        )
    levels = {g["code"]: g["warning_level"] for g in await api.ok("GET", "/v1/credit-groups")}
    assert levels == {"A": "warning", "P": "warning"}


async def test_a_groups_score_weighs_its_members_scores_by_their_exposure(
    api: Api, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """S1 (score 70) owes 300, S2 (score 40) 100: A = 70 (grade B); P = (70 x 300 + 40 x 100) / 400
    = 62.5 (grade C by the default scorecard: C from 50, B from 65)."""
    await group(api, "P", Decimal("1000.00"))
    await group(api, "A", Decimal("1000.00"), parent="P")
    await member(api, "S1", "A")
    await member(api, "S2", "P")
    await member(api, "S3", "P")  # not scored yet: not weighed
    async with sessions() as session, session.begin():
        for code, score, owed in (("S1", 70, 300), ("S2", 40, 100)):
            await session.execute(
                text("UPDATE credit_api.customers SET score = :score WHERE customer_code = :code"),
                {"code": code, "score": score},
            )
            await session.execute(
                text(
                    "INSERT INTO risk_worker.balances (customer_code, currency, open_receivables) "
                    "VALUES (:code, 'EUR', :owed)"
                ),
                {"code": code, "owed": owed},
            )
    found = {g["code"]: (g["score"], g["grade"]) for g in await api.ok("GET", "/v1/credit-groups")}
    assert found == {"A": ("70.0", "B"), "P": ("62.5", "C")}
    # S2 heads P: once its statements are filed, its own assessment (40, D) is the group's.
    head = {"name": "P", "currency": "EUR", "parent_customer": "S2"}
    await api.ok("PUT", "/v1/credit-groups/P", role=Role.CREDIT_MANAGER, json=head)
    assert (await api.ok("GET", "/v1/credit-groups/P"))["assessment_basis"] == "members"  # nothing filed yet
    async with sessions() as session, session.begin():
        await session.execute(text("UPDATE credit_api.customers SET grade = 'D' WHERE customer_code = 'S2'"))
        await session.execute(
            text(
                "INSERT INTO risk_worker.financial_statements (customer_code, period_end, period_months, "
                "currency, audited) VALUES ('S2', '2025-12-31', 12, 'EUR', true)"
            )
        )
    p = await api.ok("GET", "/v1/credit-groups/P")
    assert (p["parent_customer"], p["score"], p["grade"], p["assessment_basis"]) == (
        "S2",
        "40.0",
        "D",
        "parent_statements",
    )
    # The ERP's event, which knows nothing of the head, leaves it; an unknown head is refused.
    renamed = {"name": "P renamed", "currency": "EUR"}
    await api.ok("PUT", "/v1/credit-groups/P", role=Role.ERP, json=renamed)
    assert (await api.ok("GET", "/v1/credit-groups/P"))["parent_customer"] == "S2"
    unknown = {"name": "P", "currency": "EUR", "parent_customer": "NOPE"}
    problem = await api.ok("PUT", "/v1/credit-groups/P", role=Role.CREDIT_MANAGER, json=unknown, status=422)
    assert problem["errors"] == [{"pointer": "#/parent_customer", "detail": "unknown customer `NOPE`"}]


async def test_a_groups_utilisation_opens_follows_and_resolves_its_alert(api: Api) -> None:
    """The default warning policy's limit utilisation: watch from 90 % (out below 80 %), warning
    from 100 % (out below 95 %)."""
    await group(api, "G", Decimal("1000.00"))
    await member(api, "S1", "G")
    reserved = await check(api, "S1", "SO-1", "500.00", own="5000.00")
    await check(api, "S1", "SO-2", "450.00")

    async def run() -> dict[str, Any]:
        body = {"as_of": f"{date.today()}"}
        found: dict[str, Any] = await api.ok("POST", "/v1/group-warning-runs", role=Role.ADMIN, json=body)
        return found

    assert {k: v for k, v in (await run()).items() if k in ("evaluated", "opened")} == {
        "evaluated": 1,
        "opened": 1,
    }
    [alert] = await api.ok("GET", "/v1/credit-groups/G/alerts", role=Role.CREDIT_CONTROLLER)
    assert (alert["level"], alert["status"], alert["utilisation"]) == ("watch", "open", "0.9500")
    assert (await run())["opened"] == 0  # the same day again changes nothing
    limit = {"amount": "900.00", "reason": "group review"}
    await api.ok("PUT", "/v1/credit-groups/G/credit-limit", role=Role.CREDIT_MANAGER, json=limit)
    assert (await run())["changed"] == 1
    [alert] = await api.ok("GET", "/v1/credit-groups/G/alerts", role=Role.CREDIT_CONTROLLER)
    assert (alert["level"], alert["utilisation"]) == ("warning", "1.0556")
    # 450 of 900 left: below every exit.
    await api.ok("DELETE", f"/v1/reservations/{reserved['reservation']['id']}", role=Role.ORDER_SYSTEM)
    assert (await run())["resolved"] == 1
    [alert] = await api.ok("GET", "/v1/credit-groups/G/alerts", role=Role.CREDIT_CONTROLLER)
    assert (alert["status"], alert["level"]) == ("resolved", "warning")
    audit = await api.ok("GET", "/v1/audit?entity_type=credit_group&entity_id=G")
    assert {"credit_group_alert.opened", "credit_group_alert.changed", "credit_group_alert.resolved"} <= {
        e["action"] for e in audit["items"]
    }


async def test_a_member_in_another_currency_weighs_on_its_group_at_the_days_rate(api: Api) -> None:
    """U1 keeps its credit in USD, its group G in EUR; at 1 EUR = 1.25 USD an order of 1,000 USD is
    800 EUR of G's room, and the next of 500 USD (400 EUR) would take G to 1,200 EUR of its 1,000."""
    await api.ok(
        "PUT", f"/v1/fx-rates/{date.today()}", role=Role.ERP, json={"base": "EUR", "rates": {"USD": "1.25"}}
    )
    await group(api, "G", Decimal("1000.00"))
    body = {"name": "U1", "currency": "USD", "credit_group": "G"}
    await api.ok("PUT", "/v1/customers/U1", role=Role.ERP, json=body, status=201)
    await api.ok("PUT", "/v1/customers/U1/credit-limit", json={"amount": "5000.00", "reason": "opening"})

    async def in_dollars(order_ref: str, amount: str) -> Any:
        body = {"customer_code": "U1", "order_ref": order_ref, "amount": amount, "currency": "USD"}
        return await api.ok("POST", "/v1/credit-checks", role=Role.ORDER_SYSTEM, json=body)

    assert (await in_dollars("SO-1", "1000.00"))["decision"] == "approved"
    held = await in_dollars("SO-2", "500.00")
    [reason] = held["reasons"]
    assert (held["decision"], held["currency"], held["exposure_before"]) == ("held", "USD", "1000.00")
    assert {
        k: reason["details"][k] for k in ("currency", "exposure_before", "exposure_after", "shortfall")
    } == {
        "currency": "EUR",
        "exposure_before": "800.00",
        "exposure_after": "1200.00",
        "shortfall": "200.00",
    }
