"""ERP master data over Kafka gives the same credit file as over HTTP."""

from __future__ import annotations

import uuid

from services.credit_api.kernel.settings import ApiSettings
from services.risk_worker.settings import WorkerSettings
from shared.roles import Role
from tests.integration.conftest import api_client, eventually
from tests.integration.helpers import publish
from tests.test_data import MASTER_DATA


async def test_customer_upserted_events_and_put_give_the_same_customer(
    api_settings: ApiSettings, keys: dict[Role, str]
) -> None:
    settings = api_settings.model_copy(update={"consume_events": True})
    async with api_client(settings, keys) as api:
        await api.ok("PUT", "/v1/customers/C-HTTP", role=Role.ERP, status=201, json=MASTER_DATA)
        event = {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "source": "erp/sap",
            "type": "customer.upserted",
            "subject": "C-KAFKA",
            "data": {"customer_code": "C-KAFKA", **MASTER_DATA},
        }
        await publish(settings.ar_events_topic, [event, event])

        async def arrived() -> dict[str, object] | None:
            response = await api.request("GET", "/v1/customers/C-KAFKA")
            return response.json() if response.status_code == 200 else None

        by_event = await eventually(arrived)
        by_http = await api.ok("GET", "/v1/customers/C-HTTP")
        ignored = {"customer_code", "created_at", "updated_at"}
        assert {k: v for k, v in by_event.items() if k not in ignored} == {
            k: v for k, v in by_http.items() if k not in ignored
        }
        audit = await api.ok("GET", "/v1/audit", params={"entity_id": "C-KAFKA"})
        assert [(e["action"], e["actor"]) for e in audit["items"]] == [("customer.created", "event:erp/sap")]


async def test_a_ledger_event_for_an_unknown_customer_opens_a_stub_without_a_limit(
    api_settings: ApiSettings, worker_settings: WorkerSettings, keys: dict[Role, str]
) -> None:
    from services.risk_worker.main import serve
    from tests.integration.helpers import invoice_event, running

    settings = api_settings.model_copy(update={"consume_events": True})
    worker = worker_settings
    async with api_client(settings, keys) as api, running(serve, worker):
        await publish(settings.ar_events_topic, [invoice_event("C-NEW", "INV-1", "250.00")])

        async def stub() -> dict[str, object] | None:
            response = await api.request("GET", "/v1/customers/C-NEW")
            body = response.json()
            return (
                body
                if response.status_code == 200 and body["exposure_summary"]["exposure"] == "250.00"
                else None
            )

        customer = await eventually(stub)
        assert (customer["master_data_missing"], customer["currency"], customer["effective_limit"]) == (
            True,
            "EUR",
            None,
        )
        check = await api.ok(
            "POST",
            "/v1/credit-checks",
            role=Role.ORDER_SYSTEM,
            json={
                "customer_code": "C-NEW",
                "order_ref": "SO-1",
                "amount": "1.00",
                "currency": "EUR",
                "reserve": False,
            },
        )
        assert check["reasons"][0]["code"] == "no_valid_limit"
        upserted = await api.ok("PUT", "/v1/customers/C-NEW", role=Role.ERP, json=MASTER_DATA)
        assert (upserted["master_data_missing"], upserted["name"]) == (False, MASTER_DATA["name"])
