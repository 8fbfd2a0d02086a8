from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.roles import Role
from tests.integration.conftest import Api

CUSTOMER: dict[str, Any] = {
    "customer_code": "C-1001",
    "name": "Acme Trading GmbH",
    "country": "DE",
    "industry": "wholesale",
    "currency": "EUR",
    "language": "en",
    "contacts": {"credit_controller_email": "credit@example.com"},
    "payment_terms": "NET30",
}


async def test_a_customer_is_created_and_read_back(api: Api) -> None:
    created = await api.ok("POST", "/v1/customers", json=CUSTOMER, role=Role.ERP, status=201)
    read = await api.ok("GET", "/v1/customers/C-1001", role=Role.CREDIT_CONTROLLER)
    assert read == created
    assert read["contacts"]["credit_controller_email"] == "credit@example.com"
    assert read["credit_limit"] is None and read["effective_limit"] is None and read["blocked"] is False


async def test_creating_a_customer_twice_is_a_conflict_problem(api: Api) -> None:
    await api.ok("POST", "/v1/customers", json=CUSTOMER, status=201)
    response = await api.request("POST", "/v1/customers", json=CUSTOMER)
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "urn:credence:problem:customer-exists"


async def test_unknown_customer_is_a_not_found_problem(api: Api) -> None:
    response = await api.request("GET", "/v1/customers/NOPE")
    assert response.status_code == 404
    assert response.json()["type"] == "urn:credence:problem:customer-not-found"


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({**CUSTOMER, "colour": "blue"}, "#/colour"),
        ({**CUSTOMER, "currency": "euro"}, "#/currency"),
        (
            {**CUSTOMER, "contacts": {"credit_controller_email": "not-an-email"}},
            "#/contacts/credit_controller_email",
        ),
        ({k: v for k, v in CUSTOMER.items() if k != "name"}, "#/name"),
    ],
)
async def test_invalid_input_is_a_422_problem_pointing_at_the_field(
    api: Api, body: dict[str, Any], pointer: str
) -> None:
    response = await api.request("POST", "/v1/customers", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert pointer in [e["pointer"] for e in response.json()["errors"]]


async def test_malformed_json_is_a_422_problem_not_a_500(api: Api) -> None:
    response = await api.request(
        "POST", "/v1/customers", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["type"] == "urn:credence:problem:validation"


async def test_a_currency_unknown_to_iso_4217_is_refused(api: Api) -> None:
    response = await api.request("POST", "/v1/customers", json={**CUSTOMER, "currency": "XQQ"})
    assert response.status_code == 422
    assert response.json()["type"] == "urn:credence:problem:unknown-currency"


async def test_requests_without_a_valid_key_are_401_problems(api: Api) -> None:
    missing = await api.request("GET", "/v1/customers/C-1001", role=None)
    wrong = await api.request(
        "GET", "/v1/customers/C-1001", role=None, headers={"Authorization": "Bearer nope"}
    )
    for response in (missing, wrong):
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["type"] == "urn:credence:problem:unauthenticated"


async def test_a_role_without_the_right_is_a_403_problem(api: Api) -> None:
    response = await api.request("POST", "/v1/customers", json=CUSTOMER, role=Role.ORDER_SYSTEM)
    assert response.status_code == 403
    assert response.json()["type"] == "urn:credence:problem:forbidden"


async def test_limit_changes_are_audited_and_the_audit_log_refuses_changes(
    api: Api, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await api.ok("POST", "/v1/customers", json=CUSTOMER, status=201)
    await api.ok(
        "PUT",
        "/v1/customers/C-1001/credit-limit",
        role=Role.CREDIT_MANAGER,
        json={"amount": "50000.00", "reason": "initial limit"},
        headers={"X-Request-ID": "req-42"},
    )
    await api.ok(
        "PUT",
        "/v1/customers/C-1001/credit-limit",
        role=Role.CREDIT_MANAGER,
        json={"amount": "60000.00", "reason": "after review"},
    )
    async with sessions() as session:
        rows = (
            await session.execute(
                text(
                    "SELECT action, actor, role, before, after, request_id"
                    " FROM credit_api.audit_log ORDER BY id"
                )
            )
        ).all()
    assert [r.action for r in rows] == ["customer.created", "credit_limit.set", "credit_limit.set"]
    assert rows[1].actor == "key:test-credit_manager" and rows[1].role == "credit_manager"
    assert rows[1].before is None and rows[1].after["amount"] == "50000.00"
    assert rows[1].request_id == "req-42"
    assert rows[2].before["amount"] == "50000.00" and rows[2].after["amount"] == "60000.00"
    for statement in (
        "UPDATE credit_api.audit_log SET actor = 'x'",
        "DELETE FROM credit_api.audit_log",
        "TRUNCATE credit_api.audit_log",
    ):
        async with sessions() as session:
            with pytest.raises(DBAPIError, match="append-only"):
                await session.execute(text(statement))


async def test_the_current_limit_shows_on_the_customer(api: Api) -> None:
    await api.ok("POST", "/v1/customers", json=CUSTOMER, status=201)
    limit = await api.ok(
        "PUT",
        "/v1/customers/C-1001/credit-limit",
        role=Role.CREDIT_MANAGER,
        json={"amount": "50000", "valid_until": "2099-12-31", "reason": "initial"},
    )
    assert limit["amount"] == "50000.00"
    customer = await api.ok("GET", "/v1/customers/C-1001")
    assert customer["credit_limit"]["valid_until"] == "2099-12-31"
    assert customer["effective_limit"] == "50000.00"


async def test_limits_are_set_in_the_credit_currency_only(api: Api) -> None:
    await api.ok("POST", "/v1/customers", json=CUSTOMER, status=201)
    response = await api.request(
        "PUT",
        "/v1/customers/C-1001/credit-limit",
        role=Role.CREDIT_MANAGER,
        json={"amount": "100.00", "currency": "USD", "reason": "wrong currency"},
    )
    assert response.status_code == 422
    assert response.json()["type"] == "urn:credence:problem:limit-currency-mismatch"


async def test_a_credit_controller_may_not_set_limits(api: Api) -> None:
    await api.ok("POST", "/v1/customers", json=CUSTOMER, status=201)
    response = await api.request(
        "PUT",
        "/v1/customers/C-1001/credit-limit",
        role=Role.CREDIT_CONTROLLER,
        json={"amount": "100.00", "reason": "not mine"},
    )
    assert response.status_code == 403


MASTER = {k: v for k, v in CUSTOMER.items() if k != "customer_code"}


async def test_put_creates_then_replaces_master_data(api: Api) -> None:
    created = await api.request("PUT", "/v1/customers/C-1001", role=Role.ERP, json=MASTER)
    assert created.status_code == 201
    replaced = await api.request(
        "PUT",
        "/v1/customers/C-1001",
        role=Role.ERP,
        json={**MASTER, "name": "Acme Holding GmbH", "payment_terms": "30EOM"},
    )
    assert replaced.status_code == 200
    assert (replaced.json()["name"], replaced.json()["payment_terms"]) == ("Acme Holding GmbH", "30EOM")


async def test_the_credit_currency_is_locked_while_a_limit_is_set(api: Api) -> None:
    await api.ok("PUT", "/v1/customers/C-1001", role=Role.ERP, status=201, json=MASTER)
    await api.ok("PUT", "/v1/customers/C-1001/credit-limit", json={"amount": "100.00", "reason": "opening"})
    response = await api.request(
        "PUT", "/v1/customers/C-1001", role=Role.ERP, json={**MASTER, "currency": "USD"}
    )
    assert response.status_code == 422
    assert response.json()["type"] == "urn:credence:problem:credit-currency-locked"


async def test_patch_changes_only_what_is_sent(api: Api) -> None:
    await api.ok("POST", "/v1/customers", json=CUSTOMER, status=201)
    patched = await api.ok(
        "PATCH",
        "/v1/customers/C-1001",
        role=Role.CREDIT_CONTROLLER,
        json={"review_date": "2027-03-31", "contacts": {"accounts_payable_email": "pay@acme.example"}},
    )
    assert patched["review_date"] == "2027-03-31"
    assert patched["contacts"] == {
        "credit_controller_email": "credit@example.com",
        "accounts_payable_email": "pay@acme.example",
    }
    assert patched["name"] == CUSTOMER["name"]


async def test_customers_are_listed_with_filters_and_cursors(api: Api) -> None:
    for i in range(7):
        await api.ok(
            "PUT",
            f"/v1/customers/C-{i:03}",
            role=Role.ERP,
            status=201,
            json={**MASTER, "country": "CN" if i % 2 else "DE"},
        )
    await api.ok(
        "POST", "/v1/customers/C-003/block", role=Role.CREDIT_CONTROLLER, json={"reason": "fraud check"}
    )
    seen: list[str] = []
    cursor = None
    while True:
        page = await api.ok(
            "GET",
            "/v1/customers",
            params={"country": "CN", "limit": 2, **({"cursor": cursor} if cursor else {})},
        )
        seen += [c["customer_code"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["C-001", "C-003", "C-005"]
    blocked = await api.ok("GET", "/v1/customers", params={"blocked": "true"})
    assert [c["customer_code"] for c in blocked["items"]] == ["C-003"]
    assert blocked["items"][0]["block_reason"] == "fraud check"
    bad = await api.request("GET", "/v1/customers", params={"cursor": "not-a-cursor"})
    assert bad.status_code == 422


async def test_every_customer_shows_limit_effective_limit_block_and_exposure(api: Api) -> None:
    await api.ok("POST", "/v1/customers", json=CUSTOMER, status=201)
    await api.ok("PUT", "/v1/customers/C-1001/credit-limit", json={"amount": "5000.00", "reason": "opening"})
    customer = await api.ok("GET", "/v1/customers/C-1001")
    assert customer["effective_limit"] == "5000.00"
    assert customer["exposure_summary"] == {
        "exposure": "0.00",
        "available": "5000.00",
        "utilisation": "0.0000",
    }
