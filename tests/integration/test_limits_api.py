from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from shared.roles import Role
from tests.integration.conftest import Api

TODAY = date.today()


@pytest.fixture
async def customer(api: Api) -> str:
    await api.ok(
        "POST", "/v1/customers", status=201, json={"customer_code": "C-1", "name": "Acme", "currency": "EUR"}
    )
    await api.ok(
        "PUT",
        "/v1/customers/C-1/credit-limit",
        role=Role.CREDIT_MANAGER,
        json={"amount": "10000.00", "reason": "opening limit"},
    )
    return "C-1"


async def effective(api: Api) -> Any:
    return (await api.ok("GET", "/v1/customers/C-1/exposure", role=Role.CREDIT_CONTROLLER))["effective_limit"]


async def temporary(
    api: Api, amount: str, start: date, end: date, role: Role = Role.CREDIT_CONTROLLER, status: int = 201
) -> Any:
    return await api.ok(
        "POST",
        "/v1/customers/C-1/temporary-limits",
        role=role,
        status=status,
        json={
            "amount": amount,
            "valid_from": start.isoformat(),
            "valid_until": end.isoformat(),
            "reason": "peak season",
        },
    )


async def test_temporary_increases_add_to_the_permanent_limit_inside_their_window(
    api: Api, customer: str
) -> None:
    await temporary(api, "5000.00", TODAY - timedelta(days=1), TODAY + timedelta(days=10))
    await temporary(api, "3000.00", TODAY + timedelta(days=20), TODAY + timedelta(days=30))
    assert await effective(api) == "15000.00"
    listed = await api.ok("GET", "/v1/customers/C-1/temporary-limits", role=Role.CREDIT_CONTROLLER)
    assert [t["amount"] for t in listed] == ["3000.00", "5000.00"]


async def test_a_temporary_increase_beyond_authority_is_refused(api: Api, customer: str) -> None:
    problem = await temporary(api, "45000.00", TODAY, TODAY + timedelta(days=5), status=403)
    assert problem["type"] == "urn:credence:problem:authority-exceeded"
    await temporary(api, "45000.00", TODAY, TODAY + timedelta(days=5), role=Role.CREDIT_MANAGER)


async def test_an_inverted_window_is_a_422_problem(api: Api, customer: str) -> None:
    problem = await temporary(api, "1.00", TODAY, TODAY - timedelta(days=1), status=422)
    assert "valid_until is before valid_from" in problem["errors"][0]["detail"]


async def test_limit_history_keeps_every_limit_newest_first(api: Api, customer: str) -> None:
    await api.ok(
        "PUT",
        "/v1/customers/C-1/credit-limit",
        role=Role.CREDIT_MANAGER,
        json={"amount": "20000.00", "reason": "annual review"},
    )
    history = await api.ok("GET", "/v1/customers/C-1/credit-limit/history", role=Role.CREDIT_CONTROLLER)
    assert [(h["amount"], h["superseded_at"] is None) for h in history] == [
        ("20000.00", True),
        ("10000.00", False),
    ]


async def test_setting_a_limit_beyond_the_managers_authority_needs_a_request(api: Api, customer: str) -> None:
    problem = await api.ok(
        "PUT",
        "/v1/customers/C-1/credit-limit",
        role=Role.CREDIT_MANAGER,
        status=403,
        json={"amount": "600000.00", "reason": "big deal"},
    )
    assert problem["type"] == "urn:credence:problem:authority-exceeded"
    await api.ok(
        "PUT",
        "/v1/customers/C-1/credit-limit",
        role=Role.ADMIN,
        json={"amount": "600000.00", "reason": "board decision"},
    )


async def test_authority_in_another_currency_needs_an_exchange_rate(api: Api) -> None:
    await api.ok(
        "POST",
        "/v1/customers",
        status=201,
        json={"customer_code": "C-JP", "name": "Nihon", "currency": "JPY"},
    )
    limit = {"amount": "1000000", "reason": "opening"}
    problem = await api.ok(
        "PUT", "/v1/customers/C-JP/credit-limit", role=Role.CREDIT_MANAGER, status=403, json=limit
    )
    assert problem["type"] == "urn:credence:problem:authority-exceeded"
    await api.ok("PUT", f"/v1/fx-rates/{TODAY}", role=Role.ERP, json={"base": "EUR", "rates": {"JPY": "160"}})
    assert (await api.ok("PUT", "/v1/customers/C-JP/credit-limit", role=Role.CREDIT_MANAGER, json=limit))[
        "amount"
    ] == "1000000"


async def request_limit(api: Api, amount: str, role: Role = Role.CREDIT_CONTROLLER) -> Any:
    return await api.ok(
        "POST",
        "/v1/limit-requests",
        role=role,
        status=201,
        json={"customer_code": "C-1", "amount": amount, "reason": "turnover grew"},
    )


async def test_a_request_within_the_requesters_authority_applies_at_once(api: Api, customer: str) -> None:
    request = await request_limit(api, "40000.00")
    assert (request["status"], request["decided_by"]) == ("applied", "key:test-credit_controller")
    assert await effective(api) == "40000.00"


async def test_a_request_above_authority_waits_for_someone_else(api: Api, customer: str) -> None:
    request = await request_limit(api, "80000.00")
    assert request["status"] == "pending"
    assert await effective(api) == "10000.00"
    pending = await api.ok("GET", "/v1/limit-requests?status=pending", role=Role.CREDIT_MANAGER)
    assert [r["id"] for r in pending["items"]] == [request["id"]]
    approved = await api.ok(
        "POST",
        f"/v1/limit-requests/{request['id']}/approve",
        role=Role.CREDIT_MANAGER,
        json={"note": "financials reviewed"},
    )
    assert (approved["status"], approved["decided_by"]) == ("approved", "key:test-credit_manager")
    assert await effective(api) == "80000.00"
    twice = await api.request("POST", f"/v1/limit-requests/{request['id']}/reject", role=Role.ADMIN, json={})
    assert twice.status_code == 409


async def test_nobody_approves_their_own_request(api: Api, customer: str) -> None:
    request = await request_limit(api, "900000.00", role=Role.CREDIT_MANAGER)
    assert request["status"] == "pending"
    own = await api.request(
        "POST", f"/v1/limit-requests/{request['id']}/approve", role=Role.CREDIT_MANAGER, json={}
    )
    assert own.status_code == 403
    assert own.json()["type"] == "urn:credence:problem:four-eyes"


async def test_the_approver_needs_authority_for_the_amount(api: Api, customer: str) -> None:
    request = await request_limit(api, "900000.00")
    manager = await api.request(
        "POST", f"/v1/limit-requests/{request['id']}/approve", role=Role.CREDIT_MANAGER, json={}
    )
    assert manager.status_code == 403
    assert manager.json()["type"] == "urn:credence:problem:authority-exceeded"
    await api.ok("POST", f"/v1/limit-requests/{request['id']}/approve", role=Role.ADMIN, json={})
    assert await effective(api) == "900000.00"


async def test_a_rejected_request_changes_nothing(api: Api, customer: str) -> None:
    request = await request_limit(api, "80000.00")
    rejected = await api.ok(
        "POST",
        f"/v1/limit-requests/{request['id']}/reject",
        role=Role.CREDIT_MANAGER,
        json={"note": "not this year"},
    )
    assert (rejected["status"], rejected["decision_note"]) == ("rejected", "not this year")
    assert await effective(api) == "10000.00"


async def test_fx_rates_in_force_are_the_latest_on_or_before_the_date(api: Api) -> None:
    await api.ok(
        "PUT", "/v1/fx-rates/2026-11-01", role=Role.ERP, json={"base": "EUR", "rates": {"USD": "1.05"}}
    )
    await api.ok(
        "PUT",
        "/v1/fx-rates/2026-11-15",
        role=Role.ERP,
        json={"base": "EUR", "rates": {"USD": "1.08", "CNY": "7.8"}},
    )
    on_10th = await api.ok("GET", "/v1/fx-rates/2026-11-10", role=Role.CREDIT_CONTROLLER)
    assert [(r["quote"], r["rate"], r["rate_date"]) for r in on_10th["rates"]] == [
        ("USD", "1.0500000000", "2026-11-01")
    ]
    on_20th = await api.ok("GET", "/v1/fx-rates/2026-11-20", role=Role.CREDIT_CONTROLLER)
    assert {r["quote"]: r["rate"] for r in on_20th["rates"]} == {"CNY": "7.8000000000", "USD": "1.0800000000"}
    bad = await api.request(
        "PUT", "/v1/fx-rates/2026-11-20", role=Role.ERP, json={"base": "EUR", "rates": {"USD": "-1"}}
    )
    assert bad.status_code == 422
