from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.models.risk_worker import Balance
from shared.roles import Role
from tests.integration.conftest import Api


@pytest.fixture
async def customer(api: Api) -> str:
    await api.ok(
        "POST", "/v1/customers", status=201, json={"customer_code": "C-1", "name": "Acme", "currency": "EUR"}
    )
    await api.ok("PUT", "/v1/customers/C-1/credit-limit", json={"amount": "1000.00", "reason": "initial"})
    return "C-1"


async def receivables(sessions: async_sessionmaker[AsyncSession], amount: str, currency: str = "EUR") -> None:
    """What the risk worker's projection would hold after invoices of this amount."""
    async with sessions() as session, session.begin():
        await session.execute(
            insert(Balance).values(customer_code="C-1", currency=currency, open_receivables=Decimal(amount))
        )


async def check(
    api: Api, amount: str, *, currency: str = "EUR", customer: str = "C-1", status: int = 200
) -> Any:
    return await api.ok(
        "POST",
        "/v1/credit-checks",
        role=Role.ORDER_SYSTEM,
        status=status,
        json={"customer_code": customer, "order_ref": "SO-1", "amount": amount, "currency": currency},
    )


async def test_an_order_within_the_limit_is_approved_and_the_decision_is_kept(
    api: Api, customer: str
) -> None:
    result = await check(api, "250.00")
    assert result["decision"] == "approved" and result["reasons"] == []
    assert (
        result["effective_limit"],
        result["exposure_before"],
        result["exposure_after"],
        result["available_after"],
    ) == ("1000.00", "0.00", "250.00", "750.00")
    stored = await api.ok("GET", f"/v1/credit-checks/{result['check_id']}", role=Role.CREDIT_CONTROLLER)
    assert stored == result


async def test_open_receivables_count_toward_exposure(
    api: Api, customer: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await receivables(sessions, "800.00")
    result = await check(api, "300.00")
    assert result["decision"] == "held"
    assert result["reasons"][0]["code"] == "limit_exceeded"
    assert result["reasons"][0]["details"] == {"shortfall": "100.00"}
    assert result["exposure_before"] == "800.00" and result["available_after"] == "-100.00"


async def test_high_utilisation_is_approved_with_a_warning(api: Api, customer: str) -> None:
    result = await check(api, "950.00")
    assert result["decision"] == "approved"
    assert [r["code"] for r in result["reasons"]] == ["near_limit"]


async def test_a_customer_without_a_limit_is_held(api: Api) -> None:
    await api.ok(
        "POST", "/v1/customers", status=201, json={"customer_code": "C-2", "name": "B", "currency": "EUR"}
    )
    result = await check(api, "1.00", customer="C-2")
    assert result["decision"] == "held" and result["reasons"][0]["code"] == "no_valid_limit"
    assert result["effective_limit"] is None


async def test_a_lapsed_limit_holds_orders(api: Api, customer: str) -> None:
    await api.ok(
        "PUT",
        "/v1/customers/C-1/credit-limit",
        json={"amount": "1000.00", "valid_until": "2020-12-31", "reason": "expired"},
    )
    result = await check(api, "1.00")
    assert result["reasons"][0]["code"] == "no_valid_limit"


async def test_an_unknown_customer_is_a_404_problem(api: Api) -> None:
    response = await api.request(
        "POST",
        "/v1/credit-checks",
        role=Role.ORDER_SYSTEM,
        json={"customer_code": "GHOST", "order_ref": "SO-1", "amount": "1.00", "currency": "EUR"},
    )
    assert response.status_code == 404
    assert response.json()["type"] == "urn:credence:problem:customer-not-found"


async def test_an_order_in_another_currency_without_a_rate_is_a_422_problem(api: Api, customer: str) -> None:
    problem = await check(api, "10.00", currency="USD", status=422)
    assert problem["type"] == "urn:credence:problem:missing-fx-rate"


async def test_receivables_in_another_currency_are_never_silently_dropped(
    api: Api, customer: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await receivables(sessions, "500.00", currency="USD")
    problem = await check(api, "10.00", status=422)
    assert problem["type"] == "urn:credence:problem:missing-fx-rate"
    assert problem["currencies"] == ["USD"]


@pytest.mark.parametrize(("amount", "pointer"), [("10.001", None), ("-5.00", None), (12.5, "#/amount")])
async def test_bad_amounts_are_422_problems(
    api: Api, customer: str, amount: Any, pointer: str | None
) -> None:
    problem = await check(api, amount, status=422)
    if pointer:
        assert pointer in [e["pointer"] for e in problem["errors"]]
    else:
        assert problem["type"] == "urn:credence:problem:invalid-amount"


async def test_an_erp_key_may_not_run_credit_checks(api: Api, customer: str) -> None:
    response = await api.request(
        "POST",
        "/v1/credit-checks",
        role=Role.ERP,
        json={"customer_code": "C-1", "order_ref": "SO-1", "amount": "1.00", "currency": "EUR"},
    )
    assert response.status_code == 403
