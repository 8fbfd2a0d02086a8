"""The contact log: calls, visits and letters in the credit file, their next actions on the
worklist once each when they fall due, and what is refused."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from shared.roles import Role
from tests.integration.conftest import Api

CODE = "C-CL1"
TODAY = date.today()


async def log(api: Api, status: int = 201, **fields: Any) -> Any:
    body = {
        "kind": "call",
        "contact_on": TODAY.isoformat(),
        "who": "Ms Li",
        "summary": "Pays Friday",
        **fields,
    }
    return await api.ok(
        "POST", f"/v1/customers/{CODE}/contacts", role=Role.CREDIT_CONTROLLER, status=status, json=body
    )


async def follow_ups(api: Api) -> list[Any]:
    work = await api.ok("GET", "/v1/worklist", role=Role.CREDIT_CONTROLLER)
    return [w for w in work if w["kind"] == "follow_up"]


async def test_a_next_action_becomes_one_task_on_the_day_it_falls_due(api: Api) -> None:
    await api.ok(
        "PUT", f"/v1/customers/{CODE}", role=Role.ERP, status=201, json={"name": "CL", "currency": "EUR"}
    )
    later = TODAY + timedelta(days=3)
    visit = await log(
        api,
        kind="visit",
        contact_on=(TODAY - timedelta(days=1)).isoformat(),
        summary="Met the CFO: cash is tight until the 20th",
        next_action="Call about INV-7",
        next_action_on=later.isoformat(),
    )
    assert (visit["task_id"], visit["recorded_by"]) == (None, "key:test-credit_controller")
    today = await log(api, next_action="Send the statement", next_action_on=TODAY.isoformat())
    # Due today: a task at once.
    (task,) = await follow_ups(api)
    assert task["task_id"] == today["task_id"]
    assert task["items"][0]["next_action"] == "Send the statement"

    # The daily runs up to the visit's date: its task appears on that day, once, whatever reruns.
    for offset in range(4):
        day = (TODAY + timedelta(days=offset)).isoformat()
        await api.ok("POST", "/v1/dunning-runs", json={"as_of": day})
        await api.ok("POST", "/v1/dunning-runs", json={"as_of": day})
        due = [w for w in await follow_ups(api) if w["items"][0]["contact_id"] == visit["id"]]
        assert len(due) == (1 if offset >= 3 else 0)
    assert due[0]["as_of"] == later.isoformat()

    listed = await api.ok("GET", f"/v1/customers/{CODE}/contacts", role=Role.CREDIT_MANAGER)
    assert [c["summary"] for c in listed] == ["Pays Friday", "Met the CFO: cash is tight until the 20th"]
    assert listed[1]["task_id"] == due[0]["task_id"]
    trail = await api.ok("GET", "/v1/audit", params={"entity_type": "contact", "entity_id": visit["id"]})
    assert [e["action"] for e in trail["items"]] == ["contact.recorded"]


async def test_a_contact_in_the_future_or_a_next_action_without_its_date_is_refused_whole(api: Api) -> None:
    await api.ok(
        "PUT", f"/v1/customers/{CODE}", role=Role.ERP, status=201, json={"name": "CL", "currency": "EUR"}
    )
    refused = await log(api, 422, contact_on=(TODAY + timedelta(days=1)).isoformat(), next_action="Call back")
    assert {e["pointer"] for e in refused["errors"]} == {"#/contact_on", "#/next_action_on"}
    refused = await log(
        api, 422, next_action="Call back", next_action_on=(TODAY - timedelta(days=1)).isoformat()
    )
    assert [e["pointer"] for e in refused["errors"]] == ["#/next_action_on"]
    assert await api.ok("GET", f"/v1/customers/{CODE}/contacts", role=Role.CREDIT_CONTROLLER) == []
    assert await follow_ups(api) == []
    response = await api.request("GET", "/v1/customers/NOBODY/contacts", role=Role.CREDIT_CONTROLLER)
    assert response.status_code == 404
    response = await api.request("GET", f"/v1/customers/{CODE}/contacts", role=Role.ORDER_SYSTEM)
    assert response.status_code == 403
