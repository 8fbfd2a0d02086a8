from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.credit_api.credit.reservations import service as reservations
from services.credit_api.kernel.settings import ApiSettings
from services.risk_worker.main import serve as serve_worker
from services.risk_worker.settings import WorkerSettings
from shared.roles import Role
from tests.integration.conftest import Api, api_client, eventually
from tests.integration.helpers import drain, invoice_event, publish, running


async def setup_customer(api: Api, limit: str = "500.00") -> None:
    await api.ok(
        "POST", "/v1/customers", status=201, json={"customer_code": "C-1", "name": "Acme", "currency": "EUR"}
    )
    await api.ok("PUT", "/v1/customers/C-1/credit-limit", json={"amount": limit, "reason": "initial"})


async def order(api: Api, amount: str, order_ref: str) -> Any:
    return await api.ok(
        "POST",
        "/v1/credit-checks",
        role=Role.ORDER_SYSTEM,
        headers={"Idempotency-Key": str(uuid.uuid4())},
        json={"customer_code": "C-1", "order_ref": order_ref, "amount": amount, "currency": "EUR"},
    )


async def open_holds(api: Api) -> list[dict[str, Any]]:
    page = await api.ok("GET", "/v1/credit-holds?status=open", role=Role.CREDIT_CONTROLLER)
    return list(page["items"])


async def credit_events(topic: str, count: int) -> list[dict[str, Any]]:
    return [json.loads(value) for value, _ in await drain(topic, count)]


async def test_a_held_order_opens_a_hold_that_a_controller_can_release(
    api: Api, api_settings: ApiSettings
) -> None:
    await setup_customer(api)
    held = await order(api, "800.00", "SO-1")
    assert held["decision"] == "held"
    [hold] = await open_holds(api)
    assert (hold["id"], hold["order_ref"], hold["amount"]) == (held["hold"]["id"], "SO-1", "800.00")
    released = await api.ok(
        "POST",
        f"/v1/credit-holds/{hold['id']}/release",
        role=Role.CREDIT_CONTROLLER,
        json={"reason": "prepaid by wire"},
    )
    assert (released["status"], released["resolved_by"]) == ("released", "key:test-credit_controller")
    assert released["reservation_id"] is not None
    exposure = await api.ok("GET", "/v1/customers/C-1/exposure", role=Role.CREDIT_CONTROLLER)
    assert exposure["reserved_orders"] == "800.00"
    again = await api.request(
        "POST",
        f"/v1/credit-holds/{hold['id']}/reject",
        role=Role.CREDIT_CONTROLLER,
        json={"reason": "too late"},
    )
    assert again.status_code == 409
    [event] = await credit_events(api_settings.credit_events_topic, 1)
    assert (event["type"], event["subject"]) == ("credit.hold_released", "C-1")
    assert (event["data"]["resolution"], event["data"]["order_ref"]) == ("override", "SO-1")


async def test_a_rejected_hold_is_published(api: Api, api_settings: ApiSettings) -> None:
    await setup_customer(api)
    held = await order(api, "800.00", "SO-1")
    rejected = await api.ok(
        "POST",
        f"/v1/credit-holds/{held['hold']['id']}/reject",
        role=Role.CREDIT_MANAGER,
        json={"reason": "customer in dispute"},
    )
    assert rejected["status"] == "rejected"
    assert await open_holds(api) == []
    [event] = await credit_events(api_settings.credit_events_topic, 1)
    assert (event["type"], event["data"]["reason"]) == ("credit.hold_rejected", "customer in dispute")


async def test_a_higher_limit_releases_holds_oldest_first(api: Api, api_settings: ApiSettings) -> None:
    await setup_customer(api, limit="100.00")
    await order(api, "400.00", "SO-OLD")
    await order(api, "300.00", "SO-NEW")
    await api.ok("PUT", "/v1/customers/C-1/credit-limit", json={"amount": "600.00", "reason": "review"})
    [still_open] = await open_holds(api)
    assert still_open["order_ref"] == "SO-NEW"
    exposure = await api.ok("GET", "/v1/customers/C-1/exposure", role=Role.CREDIT_CONTROLLER)
    assert exposure["reserved_orders"] == "400.00"
    [event] = await credit_events(api_settings.credit_events_topic, 1)
    assert (event["data"]["order_ref"], event["data"]["resolution"]) == ("SO-OLD", "automatic")
    audit = await api.ok("GET", "/v1/audit", params={"action": "credit_hold.released"})
    assert [e["actor"] for e in audit["items"]] == ["system:auto-release"]


async def test_an_approved_recheck_of_a_held_order_settles_its_hold(api: Api) -> None:
    await setup_customer(api)
    await order(api, "800.00", "SO-1")
    assert (await order(api, "400.00", "SO-1"))["decision"] == "approved"
    assert await open_holds(api) == []


async def test_a_payment_through_the_ledger_releases_a_held_order(
    api_settings: ApiSettings, worker_settings: WorkerSettings, keys: dict[Role, str]
) -> None:
    settings = api_settings.model_copy(update={"consume_events": True})
    async with api_client(settings, keys) as api, running(serve_worker, worker_settings):
        await setup_customer(api, limit="1000.00")
        await publish(worker_settings.ar_events_topic, [invoice_event("C-1", "INV-1", "900.00")])

        async def invoiced() -> bool:
            exposure = await api.ok("GET", "/v1/customers/C-1/exposure", role=Role.CREDIT_CONTROLLER)
            return bool(exposure["open_receivables"] == "900.00")

        await eventually(invoiced)
        assert (await order(api, "500.00", "SO-1"))["decision"] == "held"
        await publish(
            worker_settings.ar_events_topic,
            [
                {
                    "specversion": "1.0",
                    "id": str(uuid.uuid4()),
                    "source": "erp/test",
                    "type": "payment.received",
                    "subject": "C-1",
                    "data": {
                        "payment_id": "PAY-1",
                        "customer_code": "C-1",
                        "currency": "EUR",
                        "amount": "900.00",
                        "received_date": "2026-11-20",
                        "allocations": [{"invoice_id": "INV-1", "amount": "900.00"}],
                    },
                }
            ],
        )

        async def released() -> bool:
            return not await open_holds(api)

        await eventually(released)
        exposure = await api.ok("GET", "/v1/customers/C-1/exposure", role=Role.CREDIT_CONTROLLER)
        assert (exposure["open_receivables"], exposure["reserved_orders"]) == ("0.00", "500.00")
    [event] = await credit_events(settings.credit_events_topic, 1)
    assert (event["type"], event["data"]["resolution"]) == ("credit.hold_released", "automatic")


async def test_an_expired_reservation_makes_room_for_a_held_order(
    api: Api, api_settings: ApiSettings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await setup_customer(api, limit="1000.00")
    assert (await order(api, "800.00", "SO-1"))["decision"] == "approved"
    assert (await order(api, "500.00", "SO-2"))["decision"] == "held"
    # The housekeeping job, as it runs once SO-1's reservation has outlived its time to live.
    later = datetime.now(UTC) + timedelta(days=api_settings.reservation_ttl_days, minutes=1)
    async with sessions() as session, session.begin():
        assert await reservations.expire_due(session, api_settings, later) == 1
    [hold] = (await api.ok("GET", "/v1/credit-holds?customer_code=C-1", role=Role.CREDIT_CONTROLLER))["items"]
    assert (hold["order_ref"], hold["status"], hold["resolution_note"]) == (
        "SO-2",
        "released",
        "passes the credit check again",
    )
