"""A customer driven watch → warning → critical → back to normal through the real services: the risk
worker as a process (killed with SIGKILL in the middle and restarted), credit_api on a real HTTP
server consuming its events, the notifier sending to a real SMTP server and a real HTTP receiver.
Exactly one alert with its four changes, one limit request, one block and its lift, one message per
level, the credit check following; the live stream gives a client that disconnects and resumes with
`Last-Event-ID` the same sequence as the alert's history."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.credit_api.kernel.settings import ApiSettings
from services.notifier.main import serve as notifier
from services.notifier.settings import NotifierSettings
from shared.models.risk_worker import StoredEvent
from shared.roles import Role
from tests.integration.conftest import Api, Topics, eventually
from tests.integration.helpers import erp_event, invoice_event, publish, running, served, stream_events
from tests.integration.processes import service, service_env
from tests.integration.receivers import free_port, smtp_server, webhook_receiver

CODE = "C-J"


def seen(events: list[tuple[int, str, dict[str, Any]]]) -> list[tuple[str, str]]:
    return [(kind, body["data"]["level"]) for _, kind, body in events]


async def newest_alert(api: Api, **expected: str) -> dict[str, Any]:
    async def shown() -> dict[str, Any] | None:
        page = await api.ok("GET", f"/v1/customers/{CODE}/alerts", role=Role.CREDIT_CONTROLLER)
        items: list[dict[str, Any]] = page["items"]
        return items[-1] if items and all(items[-1][k] == v for k, v in expected.items()) else None

    return await eventually(shown, within=60)


async def order(api: Api, ref: str) -> tuple[str, list[str]]:
    body = await api.ok(
        "POST",
        "/v1/credit-checks",
        role=Role.ORDER_SYSTEM,
        json={
            "customer_code": CODE,
            "order_ref": ref,
            "amount": "10.00",
            "currency": "EUR",
            "reserve": False,
        },
    )
    return body["decision"], [r["code"] for r in body["reasons"]]


async def test_watch_warning_critical_and_back_with_a_sigkill_and_a_resumed_stream(
    database_url: str,
    topics: Topics,
    sessions: async_sessionmaker[AsyncSession],
    api_settings: ApiSettings,
    notifier_settings: NotifierSettings,
    keys: dict[Role, str],
) -> None:
    env = {
        **service_env(database_url, topics, {"api": 0, "risk-worker": free_port(), "notifier": 0}),
        "CREDENCE_WORKER_REASSESS_POLL_SECONDS": "0.5",
        # Long enough that the kill below lands between an event's application and its evaluation.
        "CREDENCE_WORKER_ASSESSMENT_INTERVAL_SECONDS": "1.5",
        "CREDENCE_LOG_LEVEL": "WARNING",
    }
    with smtp_server() as mailbox:
        async with (
            webhook_receiver() as hooks,
            served(api_settings.model_copy(update={"consume_events": True})) as base,
            httpx.AsyncClient(base_url=base, timeout=30) as client,
            running(
                notifier,
                notifier_settings.model_copy(update={"smtp_port": mailbox.port, "webhook_urls": hooks.url}),
            ),
            service("risk-worker", env) as worker,
        ):
            api = Api(client, keys)
            stream = f"{base}/v1/alerts/stream?customer={CODE}"
            key = keys[Role.CREDIT_CONTROLLER]
            await api.ok(
                "PUT",
                f"/v1/customers/{CODE}",
                role=Role.ERP,
                status=201,
                json={
                    "name": "Jade Trading",
                    "currency": "EUR",
                    "country": "DE",
                    "industry": "wholesale",
                    "contacts": {"credit_controller_email": "li.wei@example.com"},
                },
            )
            await api.ok(
                "PUT",
                f"/v1/customers/{CODE}/credit-limit",
                role=Role.CREDIT_MANAGER,
                json={"amount": "1000.00", "reason": "opening"},
            )
            subscribed = asyncio.Event()
            first = asyncio.create_task(stream_events(stream, key, 2, subscribed=subscribed))
            await asyncio.wait_for(subscribed.wait(), 20)
            # Not yet due: utilisation alone moves the level. 920 of 1,000: watch (enters at 0.90).
            await publish(
                topics.ar_events,
                [invoice_event(CODE, "INV-1", "920.00", issue_date="2026-11-20", due_date="2099-12-31")],
            )
            await newest_alert(api, level="watch")
            # An invoice of 200 long overdue: 55 days past due and 1.12 of the limit, warning. Without
            # statements the recommended limit is the highest exposure carried while nothing was
            # overdue (200, before it fell due), below the 1,000 set: a lower limit is suggested.
            await publish(
                topics.ar_events,
                [invoice_event(CODE, "INV-0", "200.00", issue_date="2026-09-01", due_date="2026-10-01")],
            )
            await newest_alert(api, level="warning")
            before_kill = await asyncio.wait_for(first, 30)
            assert await order(api, "SO-1") == ("held", ["overdue"])

            # +100: 1.22, critical. The worker dies as soon as it has stored the event, before the
            # evaluation that would have moved the level; its successor finishes the work.
            async def stored() -> int:
                async with sessions() as session:
                    query = select(func.count()).select_from(StoredEvent).where(StoredEvent.subject == CODE)
                    return int((await session.execute(query)).scalar_one())

            await publish(
                topics.ar_events,
                [invoice_event(CODE, "INV-2", "100.00", issue_date="2026-11-22", due_date="2099-12-31")],
            )

            async def third_stored() -> bool:
                return await stored() >= 3

            await eventually(third_stored, within=30, interval=0.01)
            await worker.kill()
            levels = await api.ok("GET", f"/v1/customers/{CODE}/exposure", role=Role.CREDIT_CONTROLLER)
            assert levels["warning_level"] == "warning", "killed after the evaluation, not before it"
            worker.restart()
            await newest_alert(api, level="critical")

            async def blocked() -> bool:
                return bool((await api.ok("GET", f"/v1/customers/{CODE}"))["blocked"])

            await eventually(blocked, within=30)
            assert await order(api, "SO-2") == ("held", ["customer_blocked"])

            # A payment of 500 settles the overdue invoice and 300 of another: nothing overdue and
            # 720 open (0.72), past every exit: back to normal, the block lifted.
            payment = {
                "payment_id": "P-1",
                "currency": "EUR",
                "amount": "500.00",
                "received_date": "2026-11-23",
                "allocations": [
                    {"invoice_id": "INV-0", "amount": "200.00"},
                    {"invoice_id": "INV-1", "amount": "300.00"},
                ],
            }
            await publish(topics.ar_events, [erp_event("payment.received", CODE, payment)])
            resolved = await newest_alert(api, status="resolved")

            async def lifted() -> bool:
                return not (await api.ok("GET", f"/v1/customers/{CODE}"))["blocked"]

            await eventually(lifted, within=30)
            assert (await order(api, "SO-3"))[0] == "approved"

            resumed = await stream_events(stream, key, 2, last_event_id=before_kill[-1][0])
            history = await stream_events(stream, key, 4, last_event_id=0)

            async def delivered() -> bool:
                return len(mailbox.messages) >= 3 and len(hooks.requests) >= 3

            await eventually(delivered, within=30)
            deliveries = await api.ok("GET", f"/v1/deliveries?customer={CODE}")
            requests = await api.ok("GET", "/v1/limit-requests", role=Role.CREDIT_MANAGER)
            audit = await api.ok("GET", "/v1/audit", role=Role.CREDIT_MANAGER, params={"entity_id": CODE})
            alerts = await api.ok("GET", f"/v1/customers/{CODE}/alerts", role=Role.CREDIT_CONTROLLER)

    expected = [
        ("alert.opened", "watch"),
        ("alert.updated", "warning"),
        ("alert.updated", "critical"),
        ("alert.resolved", "critical"),
    ]
    assert seen(before_kill + resumed) == seen(history) == expected
    assert [i for i, _, _ in before_kill + resumed] == [i for i, _, _ in history]
    assert [a["id"] for a in alerts["items"]] == [resolved["id"]]
    assert (resolved["resolved_by"], resolved["note"]) == ("system:early-warning", "back to normal")
    [suggested] = [r for r in requests["items"] if r["customer_code"] == CODE]
    assert (suggested["requested_by"], suggested["status"]) == ("system:early-warning", "pending")
    assert float(suggested["amount"]) < 1000
    actions = [e["action"] for e in audit["items"]]
    assert (actions.count("customer.blocked"), actions.count("customer.unblocked")) == (1, 1)
    subjects = {m["Subject"]: m for m in mailbox.messages}
    assert sorted(subjects) == sorted(
        f"[Credence] {level}: Jade Trading ({CODE}) — early warning"
        for level in ("WATCH", "WARNING", "CRITICAL")
    )
    critical = subjects[f"[Credence] CRITICAL: Jade Trading ({CODE}) — early warning"]
    assert "The customer has been blocked" in critical.get_content()
    assert len(hooks.requests) == 3
    assert sorted((d["channel"], d["level"], d["status"]) for d in deliveries["items"]) == sorted(
        (channel, level, "sent")
        for channel in ("email", "webhook")
        for level in ("watch", "warning", "critical")
    )
