from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.models.credit_api import Reservation
from shared.roles import Role
from tests.integration.conftest import Api
from tests.integration.ledger import invoice

Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture
async def customer(api: Api) -> str:
    await api.ok(
        "POST", "/v1/customers", status=201, json={"customer_code": "C-1", "name": "Acme", "currency": "EUR"}
    )
    await api.ok("PUT", "/v1/customers/C-1/credit-limit", json={"amount": "1000.00", "reason": "initial"})
    return "C-1"


async def check(
    api: Api,
    amount: str,
    *,
    currency: str = "EUR",
    customer: str = "C-1",
    order: str = "SO-1",
    reserve: bool = False,
    key: str | None = None,
    status: int = 200,
) -> Any:
    headers = {"Idempotency-Key": key or str(uuid.uuid4())} if reserve else {}
    return await api.ok(
        "POST",
        "/v1/credit-checks",
        role=Role.ORDER_SYSTEM,
        status=status,
        headers=headers,
        json={
            "customer_code": customer,
            "order_ref": order,
            "amount": amount,
            "currency": currency,
            "reserve": reserve,
        },
    )


async def exposure(api: Api, customer: str = "C-1") -> Any:
    return await api.ok("GET", f"/v1/customers/{customer}/exposure", role=Role.CREDIT_CONTROLLER)


async def test_an_approved_reserving_check_reserves_and_the_decision_is_kept(api: Api, customer: str) -> None:
    result = await check(api, "250.00", reserve=True)
    assert result["decision"] == "approved"
    assert result["reasons"] == []
    assert (
        result["effective_limit"],
        result["exposure_before"],
        result["exposure_after"],
        result["available_after"],
    ) == ("1000.00", "0.00", "250.00", "750.00")
    assert result["reservation"]["amount"] == "250.00"
    assert result["hold"] is None
    assert (
        await api.ok("GET", f"/v1/credit-checks/{result['check_id']}", role=Role.CREDIT_CONTROLLER) == result
    )
    assert (await exposure(api))["reserved_orders"] == "250.00"
    second = await check(api, "800.00", order="SO-2", reserve=True)
    assert second["decision"] == "held"
    assert second["reasons"][0]["details"] == {"shortfall": "50.00"}


async def test_a_check_without_reserve_changes_nothing(api: Api, customer: str) -> None:
    result = await check(api, "900.00")
    assert (result["decision"], result["reservation"], result["hold"]) == ("approved", None, None)
    assert (await exposure(api))["exposure"] == "0.00"


async def test_a_new_check_for_the_same_order_replaces_its_reservation(api: Api, customer: str) -> None:
    await check(api, "600.00", reserve=True)
    again = await check(api, "700.00", reserve=True)
    assert again["decision"] == "approved"
    assert again["exposure_before"] == "0.00"
    assert (await exposure(api))["reserved_orders"] == "700.00"


async def test_a_new_check_keeps_the_orders_reservation_and_every_copy_of_its_answer_names_it(
    api: Api, customer: str
) -> None:
    """The amended order's reservation is updated in place: its answer, the answer kept for its
    Idempotency-Key and the stored decision all name the reservation the order already had."""

    async def keyed(amount: str, key: str) -> Any:
        body = {"customer_code": "C-1", "order_ref": "SO-7", "amount": amount, "currency": "EUR"}
        response = await api.request(
            "POST", "/v1/credit-checks", role=Role.ORDER_SYSTEM, headers={"Idempotency-Key": key}, json=body
        )
        assert response.status_code == 200, response.text
        return response.json()

    first = await keyed("400.00", "first")
    amended = await keyed("450.00", "amended")
    replayed = await keyed("450.00", "amended")
    stored = await api.ok("GET", f"/v1/credit-checks/{amended['check_id']}", role=Role.ORDER_SYSTEM)
    ids = {first["reservation"]["id"], amended["reservation"]["id"], replayed["reservation"]["id"]}
    assert ids == {stored["reservation"]["id"]}
    assert stored["reservation"]["amount"] == replayed["reservation"]["amount"] == "450.00"


async def test_open_receivables_count_and_the_shortfall_is_given(
    api: Api, customer: str, sessions: Sessions
) -> None:
    await invoice(sessions, "C-1", "INV-1", "800.00")
    result = await check(api, "300.00")
    assert result["decision"] == "held"
    assert result["reasons"][0]["code"] == "limit_exceeded"
    assert result["reasons"][0]["details"] == {"shortfall": "100.00"}
    assert result["exposure_before"] == "800.00"
    assert result["available_after"] == "-100.00"


async def test_items_overdue_beyond_tolerance_hold_orders(
    api: Api, customer: str, sessions: Sessions
) -> None:
    await invoice(sessions, "C-1", "INV-1", "10.00", due=date.today() - timedelta(days=31))
    await invoice(sessions, "C-1", "INV-2", "90.00")
    result = await check(api, "1.00")
    assert result["decision"] == "held"
    assert result["reasons"][0]["code"] == "overdue"
    assert result["reasons"][0]["details"]["max_days_past_due"] == 31


async def test_a_large_overdue_share_holds_orders_even_when_recent(
    api: Api, customer: str, sessions: Sessions
) -> None:
    await invoice(sessions, "C-1", "INV-1", "60.00", due=date.today() - timedelta(days=3))
    await invoice(sessions, "C-1", "INV-2", "40.00")
    result = await check(api, "1.00")
    assert [r["code"] for r in result["reasons"]] == ["overdue"]
    assert result["reasons"][0]["details"]["overdue_share"] == "0.6000"


async def test_slightly_late_items_do_not_hold(api: Api, customer: str, sessions: Sessions) -> None:
    await invoice(sessions, "C-1", "INV-1", "10.00", due=date.today() - timedelta(days=30))
    await invoice(sessions, "C-1", "INV-2", "90.00")
    assert (await check(api, "1.00"))["decision"] == "approved"


async def test_high_utilisation_is_approved_with_a_warning(api: Api, customer: str) -> None:
    result = await check(api, "950.00")
    assert result["decision"] == "approved"
    assert [r["code"] for r in result["reasons"]] == ["near_limit"]


async def test_a_blocked_customer_is_held_until_unblocked(api: Api, customer: str) -> None:
    await api.ok(
        "POST", "/v1/customers/C-1/block", role=Role.CREDIT_CONTROLLER, json={"reason": "cheque bounced"}
    )
    result = await check(api, "1.00")
    assert result["reasons"][0]["code"] == "customer_blocked"
    assert "cheque bounced" in result["reasons"][0]["message"]
    await api.ok(
        "POST", "/v1/customers/C-1/unblock", role=Role.CREDIT_CONTROLLER, json={"reason": "paid in cash"}
    )
    assert (await check(api, "1.00"))["decision"] == "approved"


async def test_a_customer_without_a_limit_or_with_a_lapsed_one_is_held(api: Api, customer: str) -> None:
    await api.ok(
        "POST", "/v1/customers", status=201, json={"customer_code": "C-2", "name": "B", "currency": "EUR"}
    )
    result = await check(api, "1.00", customer="C-2")
    assert result["reasons"][0]["code"] == "no_valid_limit"
    assert result["effective_limit"] is None
    await api.ok(
        "PUT",
        "/v1/customers/C-1/credit-limit",
        json={"amount": "1000.00", "valid_until": "2020-12-31", "reason": "expired"},
    )
    assert (await check(api, "1.00"))["reasons"][0]["code"] == "no_valid_limit"


async def test_an_unknown_customer_is_a_404_problem(api: Api) -> None:
    problem = await check(api, "1.00", customer="GHOST", status=404)
    assert problem["type"] == "urn:credence:problem:customer-not-found"


async def test_an_order_in_another_currency_is_converted_by_the_latest_rate(api: Api, customer: str) -> None:
    problem = await check(api, "108.00", currency="USD", status=422)
    assert problem["type"] == "urn:credence:problem:missing-fx-rate"
    await api.ok(
        "PUT", "/v1/fx-rates/2020-01-01", role=Role.ERP, json={"base": "EUR", "rates": {"USD": "2.00"}}
    )
    await api.ok(
        "PUT", f"/v1/fx-rates/{date.today()}", role=Role.ERP, json={"base": "EUR", "rates": {"USD": "1.08"}}
    )
    await api.ok(
        "PUT",
        f"/v1/fx-rates/{date.today() + timedelta(days=5)}",
        role=Role.ERP,
        json={"base": "EUR", "rates": {"USD": "3.00"}},
    )
    result = await check(api, "108.00", currency="USD", reserve=True)
    assert (result["amount"], result["currency"]) == ("100.00", "EUR")
    assert (result["order_amount"], result["order_currency"]) == ("108.00", "USD")


async def test_receivables_in_another_currency_are_converted_never_dropped(
    api: Api, customer: str, sessions: Sessions
) -> None:
    await invoice(sessions, "C-1", "INV-1", "500.00", currency="USD")
    problem = await check(api, "10.00", status=422)
    assert problem["type"] == "urn:credence:problem:missing-fx-rate"
    assert problem["currencies"] == ["USD"]
    await api.ok(
        "PUT", f"/v1/fx-rates/{date.today()}", role=Role.ERP, json={"base": "USD", "rates": {"EUR": "0.9"}}
    )
    assert (await check(api, "10.00"))["exposure_before"] == "450.00"


@pytest.mark.parametrize(
    ("amount", "problem_type"),
    [
        ("10.001", "invalid-amount"),
        ("-5.00", "invalid-amount"),
        ("0", "invalid-amount"),
        (12.5, "validation"),
    ],
)
async def test_bad_amounts_are_422_problems(api: Api, customer: str, amount: Any, problem_type: str) -> None:
    problem = await check(api, amount, status=422)
    assert problem["type"] == f"urn:credence:problem:{problem_type}"


async def test_without_a_key_the_order_is_the_key_of_its_reservation_and_hold(
    api: Api, customer: str
) -> None:
    """The README's own example sends no Idempotency-Key: checking the same order again decides it
    again and replaces its reservation or hold, so the order never counts twice."""

    async def unkeyed(amount: str) -> Any:
        return await api.ok(
            "POST",
            "/v1/credit-checks",
            role=Role.ORDER_SYSTEM,
            json={"customer_code": "C-1", "order_ref": "SO-1", "amount": amount, "currency": "EUR"},
        )

    first, retry = await unkeyed("400.00"), await unkeyed("400.00")
    assert first["decision"] == retry["decision"] == "approved"
    assert first["check_id"] != retry["check_id"]
    assert (await exposure(api))["reserved_orders"] == "400.00"
    amended = await unkeyed("300.00")
    assert amended["reservation"]["amount"] == "300.00"
    assert (await exposure(api))["reserved_orders"] == "300.00"
    held, held_again = await unkeyed("1500.00"), await unkeyed("1600.00")
    assert held["decision"] == held_again["decision"] == "held"
    assert held["hold"] == held_again["hold"]
    holds = await api.ok("GET", "/v1/credit-holds?status=open", role=Role.CREDIT_CONTROLLER)
    assert [(h["order_ref"], h["order_amount"]) for h in holds["items"]] == [("SO-1", "1600.00")]


async def test_a_replayed_key_returns_the_first_answer_and_a_reused_one_conflicts(
    api: Api, customer: str
) -> None:
    first = await check(api, "400.00", reserve=True, key="order-1-attempt")
    response = await api.request(
        "POST",
        "/v1/credit-checks",
        role=Role.ORDER_SYSTEM,
        headers={"Idempotency-Key": "order-1-attempt"},
        json={
            "customer_code": "C-1",
            "order_ref": "SO-1",
            "amount": "400.00",
            "currency": "EUR",
            "reserve": True,
        },
    )
    assert response.status_code == 200
    assert response.headers["idempotent-replayed"] == "true"
    assert response.json() == first
    assert (await exposure(api))["reserved_orders"] == "400.00"
    conflict = await check(api, "401.00", reserve=True, key="order-1-attempt", status=409)
    assert conflict["type"] == "urn:credence:problem:idempotency-key-reused"


async def test_idempotency_keys_belong_to_the_api_key_that_sent_them(api: Api, customer: str) -> None:
    await check(api, "100.00", reserve=True, key="shared-key")
    other = await api.ok(
        "POST",
        "/v1/credit-checks",
        role=Role.CREDIT_CONTROLLER,
        headers={"Idempotency-Key": "shared-key"},
        json={"customer_code": "C-1", "order_ref": "SO-9", "amount": "5.00", "currency": "EUR"},
    )
    assert other["order_ref"] == "SO-9"


async def test_concurrent_reserving_checks_never_overshoot_the_limit(api: Api, customer: str) -> None:
    results = await asyncio.gather(*(check(api, "30.00", order=f"SO-{i}", reserve=True) for i in range(100)))
    approved = [r for r in results if r["decision"] == "approved"]
    assert len(approved) == 33
    assert all(r["reasons"][0]["code"] == "limit_exceeded" for r in results if r["decision"] == "held")
    assert (await exposure(api))["reserved_orders"] == "990.00"


async def test_invoices_for_an_order_consume_its_reservation_never_counting_twice(
    api: Api, customer: str, sessions: Sessions
) -> None:
    await check(api, "600.00", order="SO-7", reserve=True)
    await invoice(sessions, "C-1", "INV-1", "250.00", order_ref="SO-7")
    standing = await exposure(api)
    assert (standing["open_receivables"], standing["reserved_orders"], standing["exposure"]) == (
        "250.00",
        "350.00",
        "600.00",
    )
    await invoice(sessions, "C-1", "INV-2", "400.00", order_ref="SO-7")
    standing = await exposure(api)
    assert (standing["reserved_orders"], standing["exposure"]) == ("0.00", "650.00")


async def test_released_reservations_stop_counting(api: Api, customer: str) -> None:
    result = await check(api, "600.00", reserve=True)
    reservation_id = result["reservation"]["id"]
    released = await api.ok("DELETE", f"/v1/reservations/{reservation_id}", role=Role.ORDER_SYSTEM)
    assert (released["status"], released["remaining"]) == ("released", "0.00")
    assert (await exposure(api))["reserved_orders"] == "0.00"
    again = await api.request("DELETE", f"/v1/reservations/{reservation_id}", role=Role.ORDER_SYSTEM)
    assert again.status_code == 409


async def test_a_reservation_increase_is_rechecked_and_a_decrease_accepted(api: Api, customer: str) -> None:
    reservation_id = (await check(api, "600.00", reserve=True))["reservation"]["id"]
    too_much = await api.request(
        "PATCH", f"/v1/reservations/{reservation_id}", role=Role.ORDER_SYSTEM, json={"amount": "1200.00"}
    )
    assert too_much.status_code == 409
    assert too_much.json()["type"] == "urn:credence:problem:reservation-not-covered"
    more = await api.ok(
        "PATCH", f"/v1/reservations/{reservation_id}", role=Role.ORDER_SYSTEM, json={"amount": "900.00"}
    )
    assert more["amount"] == "900.00"
    less = await api.ok(
        "PATCH", f"/v1/reservations/{reservation_id}", role=Role.ORDER_SYSTEM, json={"amount": "100.00"}
    )
    assert less["remaining"] == "100.00"


async def test_expired_reservations_stop_counting(api: Api, customer: str, sessions: Sessions) -> None:
    reservation_id = (await check(api, "600.00", reserve=True))["reservation"]["id"]
    async with sessions() as session, session.begin():
        await session.execute(update(Reservation).values(expires_at=text("now() - interval '1 minute'")))
    assert (await exposure(api))["reserved_orders"] == "0.00"
    assert (await api.ok("GET", f"/v1/reservations/{reservation_id}", role=Role.ORDER_SYSTEM))[
        "status"
    ] == "expired"
    async with sessions() as session:
        stored = (await session.execute(select(Reservation))).scalar_one()
    assert stored.amount == Decimal("600.00")


async def test_the_exposure_endpoint_agrees_with_the_check(
    api: Api, customer: str, sessions: Sessions
) -> None:
    await invoice(sessions, "C-1", "INV-1", "300.00")
    await check(api, "200.00", order="SO-A", reserve=True)
    standing = await exposure(api)
    result = await check(api, "1.00", order="SO-B")
    assert standing["exposure"] == result["exposure_before"] == "500.00"
    assert (standing["effective_limit"], standing["available"], standing["utilisation"]) == (
        "1000.00",
        "500.00",
        "0.5000",
    )
    assert standing["blocked"] is False
