"""Credit groups through the API: the tree, its members, and each group's exposure in its own
currency, over PostgreSQL. The group of the pure rules' worked example (tests/unit/test_credit_groups.py):
HOLD (EUR) owns DE (EUR) and US (USD) and holds C-CH1 (CHF) directly; at 1 EUR = 1.10 USD and
0.95 CHF, HOLD's exposure is 300,000 + 150,000 + 220,000 / 1.10 + 95,000 / 0.95 = 750,000 EUR."""

from __future__ import annotations

import json
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.credit_api.kernel.settings import ApiSettings
from services.risk_worker.main import serve
from services.risk_worker.settings import WorkerSettings
from shared.roles import Role
from tests.integration.conftest import Api, api_client, eventually
from tests.integration.helpers import drain, erp_event, invoice_event, publish, running

TODAY = date.today()
RECEIVABLES = {
    "C-DE1": ("EUR", 300_000),
    "C-DE2": ("EUR", 150_000),
    "C-US1": ("USD", 220_000),
    "C-CH1": ("CHF", 95_000),
}
MEMBERSHIP = {"C-DE1": "DE", "C-DE2": "DE", "C-US1": "US", "C-CH1": "HOLD"}


async def build(api: Api, sessions: async_sessionmaker[AsyncSession]) -> None:
    for code, body in (
        ("HOLD", {"name": "Acme Holding AG", "currency": "EUR"}),
        ("DE", {"name": "Acme Deutschland", "currency": "EUR", "parent": "HOLD"}),
        ("US", {"name": "Acme Inc.", "currency": "USD", "parent": "HOLD"}),
    ):
        await api.ok("PUT", f"/v1/credit-groups/{code}", role=Role.CREDIT_MANAGER, json=body, status=201)
    await api.ok(
        "PUT",
        f"/v1/fx-rates/{TODAY}",
        role=Role.ERP,
        json={"base": "EUR", "rates": {"USD": "1.10", "CHF": "0.95"}},
    )
    for code, (currency, _) in RECEIVABLES.items():
        body = {"name": code, "currency": currency, "credit_group": MEMBERSHIP[code]}
        await api.ok("PUT", f"/v1/customers/{code}", role=Role.ERP, json=body, status=201)
    # The ledger's projection of open receivables, as the risk worker keeps it.
    async with sessions() as session, session.begin():
        for code, (currency, amount) in RECEIVABLES.items():
            await session.execute(
                text(
                    "INSERT INTO risk_worker.balances (customer_code, currency, open_receivables) "
                    "VALUES (:code, :currency, :amount)"
                ),
                {"code": code, "currency": currency, "amount": Decimal(amount)},
            )


async def exposure_of(api: Api) -> dict[str, Any]:
    return {
        g["code"]: g["exposure"]
        for g in await api.ok("GET", "/v1/credit-groups", role=Role.CREDIT_CONTROLLER)
    }


async def test_a_groups_exposure_is_its_members_and_sub_groups_in_its_currency(
    api: Api, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build(api, sessions)
    assert await exposure_of(api) == {"DE": "450000.00", "HOLD": "750000.00", "US": "220000.00"}
    hold = await api.ok("GET", "/v1/credit-groups/HOLD", role=Role.CREDIT_CONTROLLER)
    assert (hold["parent"], hold["ancestors"], hold["sub_groups"], hold["members"]) == (
        None,
        [],
        ["DE", "US"],
        ["C-CH1"],
    )
    assert (await api.ok("GET", "/v1/credit-groups/US", role=Role.CREDIT_CONTROLLER))["ancestors"] == ["HOLD"]
    tree = await api.ok("GET", "/v1/credit-groups/HOLD/tree", role=Role.CREDIT_CONTROLLER)
    assert [(n["code"], n["exposure"], n["members"]) for n in tree["sub_groups"]] == [
        ("DE", "450000.00", ["C-DE1", "C-DE2"]),
        ("US", "220000.00", ["C-US1"]),
    ]
    assert (await api.ok("GET", "/v1/customers/C-US1", role=Role.CREDIT_CONTROLLER))["credit_group"] == "US"


async def test_a_customer_moved_between_groups_moves_both_exposures_at_once(
    api: Api, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build(api, sessions)
    await api.ok("PATCH", "/v1/customers/C-DE2", role=Role.CREDIT_CONTROLLER, json={"credit_group": "US"})
    # 150,000 EUR leaves DE and counts in US as 165,000 USD; HOLD, above both, is unchanged.
    assert await exposure_of(api) == {"DE": "300000.00", "HOLD": "750000.00", "US": "385000.00"}
    await api.ok("PATCH", "/v1/customers/C-DE2", role=Role.CREDIT_CONTROLLER, json={"credit_group": None})
    assert await exposure_of(api) == {"DE": "300000.00", "HOLD": "600000.00", "US": "220000.00"}


async def test_an_erp_upsert_without_a_group_keeps_the_membership_and_a_group_can_move(
    api: Api, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build(api, sessions)
    await api.ok("PUT", "/v1/customers/C-DE1", role=Role.ERP, json={"name": "Acme Köln", "currency": "EUR"})
    assert (await api.ok("GET", "/v1/customers/C-DE1", role=Role.CREDIT_CONTROLLER))["credit_group"] == "DE"
    moved = await api.ok(
        "PUT",
        "/v1/credit-groups/US",
        role=Role.CREDIT_MANAGER,
        json={"name": "Acme Inc.", "currency": "USD", "parent": "DE"},
    )
    assert moved["ancestors"] == ["DE", "HOLD"]
    # DE now holds US's 220,000 USD as 200,000 EUR.
    assert (await exposure_of(api))["DE"] == "650000.00"
    audit = await api.ok("GET", "/v1/audit?entity_type=credit_group&entity_id=US", role=Role.ADMIN)
    assert [e["action"] for e in audit["items"]][:2] == ["credit_group.changed", "credit_group.created"]


@pytest.mark.parametrize(
    ("code", "body", "detail"),
    [
        (
            "HOLD",
            {"name": "x", "currency": "EUR", "parent": "DE"},
            "a cycle of parent groups: HOLD → DE → HOLD",
        ),
        ("DE", {"name": "x", "currency": "EUR", "parent": "DE"}, "a group cannot be its own parent: DE"),
        ("NEW", {"name": "x", "currency": "EUR", "parent": "NOBODY"}, "unknown parent group `NOBODY`"),
    ],
)
async def test_a_cycle_or_an_unknown_parent_is_a_422_problem_pointing_at_the_parent(
    api: Api, sessions: async_sessionmaker[AsyncSession], code: str, body: dict[str, Any], detail: str
) -> None:
    await build(api, sessions)
    problem = await api.ok(
        "PUT", f"/v1/credit-groups/{code}", role=Role.CREDIT_MANAGER, json=body, status=422
    )
    assert problem["type"] == "urn:credence:problem:invalid-credit-group"
    assert problem["errors"] == [{"pointer": "#/parent", "detail": detail}]


async def test_a_customer_naming_an_unknown_group_is_a_422_problem(api: Api) -> None:
    body = {"name": "Lost", "currency": "EUR", "credit_group": "NOBODY"}
    problem = await api.ok("PUT", "/v1/customers/C-9", role=Role.ERP, json=body, status=422)
    assert problem["type"] == "urn:credence:problem:unknown-credit-group"
    assert problem["errors"] == [{"pointer": "#/credit_group", "detail": "unknown credit group `NOBODY`"}]
    assert (await api.request("GET", "/v1/customers/C-9")).status_code == 404


async def test_only_an_empty_group_can_be_deleted(
    api: Api, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build(api, sessions)
    for code in ("HOLD", "DE"):
        problem = await api.ok("DELETE", f"/v1/credit-groups/{code}", role=Role.CREDIT_MANAGER, status=409)
        assert problem["type"] == "urn:credence:problem:credit-group-in-use"
    await api.ok("PATCH", "/v1/customers/C-US1", role=Role.CREDIT_CONTROLLER, json={"credit_group": "DE"})
    limit = {"amount": "100000", "reason": "opening"}
    await api.ok("PUT", "/v1/credit-groups/US/credit-limit", role=Role.CREDIT_MANAGER, json=limit)
    response = await api.request("DELETE", "/v1/credit-groups/US", role=Role.CREDIT_MANAGER)
    assert response.status_code == 204
    assert (await api.request("GET", "/v1/credit-groups/US")).status_code == 404
    refused = await api.request("DELETE", "/v1/credit-groups/DE", role=Role.CREDIT_CONTROLLER)
    assert refused.status_code == 403


async def test_a_group_limit_is_set_within_authority_in_the_groups_currency_and_kept_in_history(
    api: Api, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build(api, sessions)
    limit = {"amount": "400000", "reason": "group review 2026"}
    await api.ok("PUT", "/v1/credit-groups/DE/credit-limit", role=Role.CREDIT_MANAGER, json=limit)
    # 600,000 USD is 545,454.55 EUR: beyond a credit manager's 500,000 EUR.
    beyond = {"amount": "600000", "reason": "group review 2026"}
    problem = await api.ok(
        "PUT", "/v1/credit-groups/US/credit-limit", role=Role.CREDIT_MANAGER, json=beyond, status=403
    )
    assert problem["type"] == "urn:credence:problem:authority-exceeded"
    wrong = {"amount": "600000", "currency": "EUR", "reason": "group review 2026"}
    problem = await api.ok(
        "PUT", "/v1/credit-groups/US/credit-limit", role=Role.ADMIN, json=wrong, status=422
    )
    assert problem["errors"] == [
        {"pointer": "#/currency", "detail": "credit group US keeps its limit in USD, not EUR"}
    ]
    await api.ok(
        "PUT",
        "/v1/credit-groups/HOLD/credit-limit",
        role=Role.ADMIN,
        json={"amount": "900000", "reason": "opening"},
    )
    await api.ok(
        "PUT",
        "/v1/credit-groups/HOLD/credit-limit",
        role=Role.ADMIN,
        json={"amount": "1000000", "reason": "raised"},
    )
    hold = await api.ok("GET", "/v1/credit-groups/HOLD", role=Role.CREDIT_CONTROLLER)
    assert (
        hold["credit_limit"]["amount"],
        hold["effective_limit"],
        hold["available"],
        hold["utilisation"],
    ) == (
        "1000000.00",
        "1000000.00",
        "250000.00",
        "0.7500",
    )
    history = await api.ok("GET", "/v1/credit-groups/HOLD/credit-limit/history", role=Role.CREDIT_CONTROLLER)
    assert [(h["amount"], h["superseded_at"] is None) for h in history] == [
        ("1000000.00", True),
        ("900000.00", False),
    ]
    moved = {"name": "Acme Holding AG", "currency": "CHF"}
    problem = await api.ok("PUT", "/v1/credit-groups/HOLD", role=Role.CREDIT_MANAGER, json=moved, status=422)
    assert problem["errors"][0]["pointer"] == "#/currency"
    audit = await api.ok(
        "GET", "/v1/audit?entity_type=credit_group&entity_id=HOLD&action=credit_group_limit.set"
    )
    assert [(e["before"] or {}).get("amount") for e in audit["items"]] == ["900000.00", None]


async def test_the_erps_hierarchy_arrives_by_events_in_any_order_and_invoices_move_the_exposure(
    api_settings: ApiSettings, worker_settings: WorkerSettings, keys: dict[Role, str]
) -> None:
    settings = api_settings.model_copy(update={"consume_events": True})
    # Keyed by group, the child may well be applied before its parent: the parent waits as a stub.
    child_first = [
        group_event("DE", {"name": "Acme Deutschland", "currency": "EUR", "parent": "HOLD"}),
        group_event("HOLD", {"name": "Acme Holding AG", "currency": "EUR"}),
    ]
    member = erp_event(
        "customer.upserted", "C-DE1", {"name": "Acme Köln", "currency": "EUR", "credit_group": "DE"}
    )
    async with api_client(settings, keys) as api, running(serve, worker_settings):
        await publish(settings.ar_events_topic, child_first[:1])
        await eventually(lambda: _known(api, "DE"))
        await publish(settings.ar_events_topic, [*child_first[1:], member])
        await eventually(lambda: _member(api, "C-DE1"))
        await publish(
            settings.ar_events_topic,
            [invoice_event("C-DE1", "INV-1", "250.00"), invoice_event("C-DE1", "INV-2", "50.00")],
        )

        async def moved() -> bool:
            return (await exposure_of(api)) == {"DE": "300.00", "HOLD": "300.00"}

        assert await eventually(moved)
        hold = await api.ok("GET", "/v1/credit-groups/HOLD", role=Role.CREDIT_CONTROLLER)
        assert (hold["name"], hold["sub_groups"]) == ("Acme Holding AG", ["DE"])
        audit = await api.ok("GET", "/v1/audit?entity_type=credit_group&entity_id=HOLD")
        assert [e["action"] for e in audit["items"]] == ["credit_group.changed", "credit_group.stub_created"]
        # The ledger leaves the groups to credit_api: nothing of them is dead-lettered by it. A move
        # that would close a cycle goes to the dead-letter topic with the reason.
        cycle = group_event("HOLD", {"name": "Acme Holding AG", "currency": "EUR", "parent": "DE"})
        await publish(settings.ar_events_topic, [cycle])
        [(value, headers)] = await drain(settings.dead_letter_topic, 1)
        assert json.loads(value)["id"] == cycle["id"]
        assert headers["dlq.reason"] == "#/parent: a cycle of parent groups: HOLD → DE → HOLD"
        assert (await api.ok("GET", "/v1/dead-letters", role=Role.ERP))["items"] == []


def group_event(code: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "erp/test",
        "type": "credit_group.upserted",
        "subject": code,
        "data": {"group_code": code, **data},
    }


async def _known(api: Api, code: str) -> bool:
    return (await api.request("GET", f"/v1/credit-groups/{code}")).status_code == 200


async def _member(api: Api, code: str) -> bool:
    response = await api.request("GET", f"/v1/customers/{code}")
    return response.status_code == 200 and response.json()["credit_group"] == "DE"
