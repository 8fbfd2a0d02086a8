from __future__ import annotations

from services.risk_worker.main import serve
from services.risk_worker.settings import WorkerSettings
from shared.roles import Role
from tests.integration.conftest import Api, eventually
from tests.integration.helpers import invoice_event, running


async def test_events_over_http_reach_the_ledger_and_bad_ones_are_listed(
    api: Api, worker_settings: WorkerSettings
) -> None:
    await api.ok(
        "POST", "/v1/customers", status=201, json={"customer_code": "C-1", "name": "A", "currency": "EUR"}
    )
    good = [invoice_event("C-1", "INV-1", "100.00"), invoice_event("C-1", "INV-2", "50.00")]
    bad = invoice_event("C-1", "INV-3", "1.001")
    answer = await api.ok("POST", "/v1/events", role=Role.ERP, status=202, json=[good[0], bad, good[1]])
    assert answer["accepted"] == [good[0]["id"], good[1]["id"]]
    assert [(r["index"], r["id"]) for r in answer["rejected"]] == [(1, bad["id"])]
    assert "decimals" in answer["rejected"][0]["reason"]
    single = await api.ok("POST", "/v1/events", role=Role.ERP, status=202, json=good[0])
    assert single["accepted"] == [good[0]["id"]]
    async with running(serve, worker_settings):

        async def seen() -> bool:
            exposure = await api.ok("GET", "/v1/customers/C-1/exposure", role=Role.CREDIT_CONTROLLER)
            return bool(exposure["open_receivables"] == "150.00")

        await eventually(seen)


async def test_an_empty_or_oversized_batch_is_a_422_problem(api: Api) -> None:
    for batch in ([], [invoice_event("C-1", f"I-{i}", "1.00") for i in range(1001)]):
        response = await api.request("POST", "/v1/events", role=Role.ERP, json=batch)
        assert response.status_code == 422
