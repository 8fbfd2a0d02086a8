"""Every route of the OpenAPI document: 401 without a key, 403 for each role it does not admit,
and a complete contract (summary, examples, documented errors)."""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from services.credit_api.access.api_keys.service import Authenticator
from services.credit_api.kernel.settings import ApiSettings
from services.notifier.main import serve as serve_notifier
from services.notifier.settings import NotifierSettings
from services.risk_worker.main import serve as serve_worker
from services.risk_worker.settings import WorkerSettings
from shared.db import make_engine
from shared.domain.errors import Unauthenticated
from shared.models.notifier import Delivery
from shared.roles import KEY_ROLES, Role
from tests.integration.conftest import Api, api_client, eventually
from tests.integration.helpers import alert_event, invoice_event, publish, running

SAMPLE_PATH_VALUES = {"customer_code": "C-1", "rate_date": "2026-11-20"}


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]


def streams(operation: dict[str, Any]) -> bool:
    """A server-sent event stream never ends: the in-process client would wait for it forever, so
    its admitted roles are exercised over a real server in test_alert_stream."""
    return "text/event-stream" in operation["responses"].get("200", {}).get("content", {})


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: SAMPLE_PATH_VALUES.get(m.group(1), str(uuid.uuid4())), path)


@pytest.fixture
async def document(api: Api) -> dict[str, Any]:
    response = await api.client.get("/openapi.json")
    assert response.status_code == 200
    return dict(response.json())


async def test_every_operation_refuses_missing_keys_and_roles_it_does_not_admit(
    api: Api, document: dict[str, Any]
) -> None:
    checked = 0
    for method, path, operation in operations(document):
        admitted = set(operation["x-roles"])
        assert Role.ADMIN.value in admitted, f"{method} {path} declares no roles"
        url = concrete(path)
        body: dict[str, Any] = {"json": {}} if method in {"POST", "PUT", "PATCH"} else {}
        anonymous = await api.request(method, url, role=None, **body)
        assert anonymous.status_code == 401, f"{method} {path}: {anonymous.status_code}"
        for role in KEY_ROLES:
            if role.value in admitted and streams(operation):
                continue
            response = await api.request(method, url, role=role, **body)
            if role.value in admitted:
                assert response.status_code not in {401, 403}, f"{method} {path} as {role}: {response.text}"
            else:
                assert response.status_code == 403, f"{method} {path} as {role}: {response.status_code}"
                assert response.json()["type"] == "urn:credence:problem:forbidden"
            checked += 1
    assert checked >= 5 * 30


async def test_a_revoked_key_stops_working(api: Api) -> None:
    created = await api.ok("POST", "/v1/api-keys", status=201, json={"name": "sap-prod", "role": "erp"})
    listed = await api.ok("GET", "/v1/api-keys")
    assert "key" not in listed[-1]
    assert created["key"].startswith(f"cred_{created['key_prefix']}_")
    headers = {"Authorization": f"Bearer {created['key']}"}
    assert (await api.client.get("/v1/customers", headers=headers)).status_code == 200
    await api.ok("DELETE", f"/v1/api-keys/{created['id']}")
    assert (await api.client.get("/v1/customers", headers=headers)).status_code == 401


async def test_a_key_revoked_on_one_process_stops_working_on_every_other_at_once(
    api: Api, api_settings: ApiSettings, keys: dict[Role, str]
) -> None:
    created = await api.ok("POST", "/v1/api-keys", status=201, json={"name": "wms", "role": "erp"})
    headers = {"Authorization": f"Bearer {created['key']}"}
    remembering = api_settings.model_copy(update={"key_cache_seconds": 30.0})
    async with api_client(remembering, keys) as other:
        # The other process has verified the key and remembers it for its key cache period.
        assert (await other.client.get("/v1/customers", headers=headers)).status_code == 200
        await api.ok("DELETE", f"/v1/api-keys/{created['id']}")
        revoked = time.monotonic()

        async def refused() -> bool:
            return (await other.client.get("/v1/customers", headers=headers)).status_code == 401

        await eventually(refused, within=2, interval=0.01)
    assert time.monotonic() - revoked < 1


class _Counting(async_sessionmaker[AsyncSession]):
    """Sessions, counting how many were opened."""

    opened = 0

    def __call__(self, **kw: Any) -> AsyncSession:
        self.opened += 1
        return super().__call__(**kw)


async def test_the_requests_of_a_key_not_remembered_share_one_lookup(
    engine: AsyncEngine, keys: dict[Role, str]
) -> None:
    """All of an order system's requests arrive as its key is due again: one looks it up (and marks
    it used) for all, rather than each waiting in turn for the key's row."""
    authenticator = Authenticator(ttl_seconds=30)
    sessions = _Counting(engine, expire_on_commit=False)
    key = keys[Role.ORDER_SYSTEM]
    found = await asyncio.gather(*(authenticator.authenticate(sessions, key) for _ in range(20)))
    assert sessions.opened == 1
    assert {p.role for p in found} == {Role.ORDER_SYSTEM}
    # A caller that gives up does not take the others' answer with it.
    first = asyncio.ensure_future(authenticator.authenticate(sessions, key))
    others = [asyncio.ensure_future(authenticator.authenticate(sessions, key)) for _ in range(5)]
    await asyncio.sleep(0)
    first.cancel()
    assert {p.role for p in await asyncio.gather(*others)} == {Role.ORDER_SYSTEM}
    assert sessions.opened == 2
    # An unknown key is refused to every caller, after one lookup too.
    refused = await asyncio.gather(
        *(authenticator.authenticate(sessions, "cred_nope_0") for _ in range(10)), return_exceptions=True
    )
    assert all(isinstance(r, Unauthenticated) for r in refused)
    assert sessions.opened == 3


async def test_keys_expire_rotate_with_an_overlap_and_say_when_they_were_used(api: Api) -> None:
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    refused = await api.ok(
        "POST", "/v1/api-keys", status=422, json={"name": "x", "role": "erp", "expires_at": past}
    )
    assert refused["type"] == "urn:credence:problem:invalid-api-key-request"
    old = await api.ok(
        "POST", "/v1/api-keys", status=201, json={"name": "wms", "role": "erp", "expires_at": soon}
    )
    assert (old["expires_at"], old["last_used_at"]) != (None, None)
    used = {"Authorization": f"Bearer {old['key']}"}
    assert (await api.client.get("/v1/customers", headers=used)).status_code == 200
    [listed] = [k for k in await api.ok("GET", "/v1/api-keys") if k["id"] == old["id"]]
    assert listed["last_used_at"] is not None

    new = await api.ok("POST", f"/v1/api-keys/{old['id']}/rotate", status=201, json={"overlap_hours": 0})
    assert (new["name"], new["role"], new["expires_at"]) == ("wms", "erp", None)
    # Overlap 0: the old key ends now, the new one works; with an overlap both would, for a while.
    assert (await api.client.get("/v1/customers", headers=used)).status_code == 401
    fresh = {"Authorization": f"Bearer {new['key']}"}
    assert (await api.client.get("/v1/customers", headers=fresh)).status_code == 200
    both = await api.ok("POST", f"/v1/api-keys/{new['id']}/rotate", status=201, json={})
    assert (await api.client.get("/v1/customers", headers=fresh)).status_code == 200
    assert (
        await api.client.get("/v1/customers", headers={"Authorization": f"Bearer {both['key']}"})
    ).status_code == 200
    [rotated] = [k for k in await api.ok("GET", "/v1/api-keys") if k["id"] == new["id"]]
    assert rotated["expires_at"] is not None  # 24 hours from now, by default
    actions = [e["action"] for e in (await api.ok("GET", "/v1/audit?entity_type=api_key"))["items"]]
    assert actions.count("api_key.rotated") == 2


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return dict(document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]])
    return schema


def _has_example(document: dict[str, Any], schema: dict[str, Any]) -> bool:
    schema = _resolve(document, schema)
    if "examples" in schema or "example" in schema:
        return True
    if schema.get("type") == "array":
        return _has_example(document, schema["items"])
    items = schema.get("properties", {}).get("items")
    return items is not None and _has_example(document, items)


async def test_every_operation_has_a_summary_examples_and_its_errors(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        where = f"{method} {path}"
        assert operation.get("summary"), where
        responses = operation["responses"]
        assert {"401", "403"} <= set(responses), where
        for code in ("401", "403", "404", "409", "422"):
            if code in responses:
                assert "application/problem+json" in responses[code]["content"], where
        if "requestBody" in operation:
            assert "422" in responses, where
            assert _has_example(
                document, operation["requestBody"]["content"]["application/json"]["schema"]
            ), where
        code, success = next((k, v) for k, v in responses.items() if k.startswith("2"))
        if code == "204":
            continue  # no content, nothing to show by example
        if streams(operation):
            assert success["content"]["text/event-stream"].get("example"), where
        else:
            assert _has_example(document, success["content"]["application/json"]["schema"]), where


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        # A number where a date belongs was read as Unix time (1970-01-01): now refused.
        ("GET", "/v1/customers/C-1/ageing?as_of=0", None),
        ("GET", "/v1/reports/ageing?as_of=0", None),
        ("GET", "/v1/fx-rates/0", None),
        ("GET", "/v1/audit?since=0.5", None),
        ("PATCH", "/v1/customers/C-1", {"review_date": 0}),
        ("PATCH", "/v1/customers/C-1", {"review_date": "20270331"}),
        # A JSON number for an amount, or a 0 for a boolean, is not what the document allows.
        ("PUT", "/v1/customers/C-1/credit-limit", {"amount": 1000, "reason": "initial"}),
        ("PATCH", "/v1/customers/C-1", {"listed": 0}),
    ],
)
async def test_values_of_the_wrong_type_are_refused_as_the_document_says(
    api: Api, method: str, url: str, body: dict[str, Any] | None
) -> None:
    await api.ok(
        "POST", "/v1/customers", status=201, json={"customer_code": "C-1", "name": "A", "currency": "EUR"}
    )
    problem = await api.ok(method, url, status=422, json=body)
    assert problem["type"] == "urn:credence:problem:validation"


async def test_text_the_database_cannot_store_is_a_422_not_a_500(api: Api) -> None:
    await api.ok(
        "POST", "/v1/customers", status=201, json={"customer_code": "C-1", "name": "A", "currency": "EUR"}
    )
    # As JSON escapes: valid JSON, and text PostgreSQL (NUL) or UTF-8 (the surrogate) cannot hold.
    for reason, refused_as in (
        (r"nul \u0000 inside", "unstorable-value"),
        (r"lone \ud806 surrogate", "validation"),
    ):
        response = await api.request(
            "POST",
            "/v1/customers/C-1/block",
            content=f'{{"reason": "{reason}"}}'.encode(),
            headers={"Content-Type": "application/json"},
        )
        assert (response.status_code, response.json()["type"]) == (
            422,
            f"urn:credence:problem:{refused_as}",
        ), response.text
    assert (await api.ok("GET", "/v1/customers/C-1"))["blocked"] is False  # nothing half-done


async def test_a_method_not_allowed_names_every_method_of_the_path(
    api: Api, document: dict[str, Any]
) -> None:
    response = await api.request("DELETE", "/v1/customers")
    assert response.status_code == 405
    assert response.headers["allow"] == ", ".join(
        sorted(m.upper() for m in document["paths"]["/v1/customers"])
    )
    assert response.headers["content-type"] == "application/problem+json"
    assert all("400" in op["responses"] for _, _, op in operations(document) if "requestBody" in op)


async def test_each_service_runs_as_its_own_role_which_cannot_rewrite_the_audit_log(
    api: Api,
    api_settings: ApiSettings,
    worker_settings: WorkerSettings,
    notifier_settings: NotifierSettings,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """No superuser and no table owner: each service a login of its own role (migration 0030), as
    docs/operations.md says to run them and as every test runs them. They work; rewriting the audit
    trail, or switching its guard off, is refused, and no service may write another's schema or
    read past its views."""
    # A webhook to nowhere: the delivery is recorded, then retried.
    webhooks = {"webhook_urls": "http://127.0.0.1:9/hook"}
    async with (
        running(serve_worker, worker_settings),
        running(serve_notifier, notifier_settings.model_copy(update=webhooks)),
    ):
        customer = {"customer_code": "R-1", "name": "R", "currency": "EUR"}
        await api.ok("POST", "/v1/customers", status=201, json=customer)
        limit = {"amount": "900.00", "reason": "opening"}
        await api.ok("PUT", "/v1/customers/R-1/credit-limit", role=Role.CREDIT_MANAGER, json=limit)
        await publish(worker_settings.ar_events_topic, [invoice_event("R-1", "INV-R1", "400.00")])
        await publish(notifier_settings.alerts_topic, [alert_event("R-1")], key=b"R-1")

        async def applied() -> bool:
            exposure = await api.ok("GET", "/v1/customers/R-1/exposure")
            return bool(exposure["open_receivables"] == "400.00")

        await eventually(applied, within=30)
        order = {"customer_code": "R-1", "order_ref": "SO-R1", "amount": "600.00", "currency": "EUR"}
        check = await api.ok("POST", "/v1/credit-checks", role=Role.ORDER_SYSTEM, json=order)
        assert check["decision"] == "held"

        async def delivered() -> bool:
            async with sessions() as session:
                found = await session.execute(select(func.count()).select_from(Delivery))
                return bool(found.scalar_one())

        await eventually(delivered, within=30)
    refused = {
        api_settings.database_url: (
            "credence_api_svc",
            [
                "UPDATE credit_api.audit_log SET actor = 'x'",
                "DELETE FROM credit_api.audit_log",
                "TRUNCATE credit_api.audit_log",
                "ALTER TABLE credit_api.audit_log DISABLE TRIGGER audit_log_append_only",
                "DROP TRIGGER audit_log_append_only ON credit_api.audit_log",
                "DELETE FROM risk_worker.balances",
                "SELECT count(*) FROM risk_worker.open_items",
                "UPDATE notifier.deliveries SET attempts = 0",
            ],
        ),
        worker_settings.database_url: (
            "credence_worker_svc",
            [
                "UPDATE credit_api.customers SET blocked = true",
                "INSERT INTO credit_api.audit_log (action) VALUES ('x')",
                "SELECT count(*) FROM credit_api.credit_limits",
                "DELETE FROM notifier.deliveries",
            ],
        ),
        notifier_settings.database_url: (
            "credence_notifier_svc",
            ["DELETE FROM credit_api.outbox", "UPDATE risk_worker.balances SET open_receivables = 0"],
        ),
    }
    for url, (login, statements) in refused.items():
        engine = make_engine(url, pool_size=1)
        try:
            async with engine.connect() as connection:
                who = "SELECT rolsuper, current_user FROM pg_roles WHERE rolname = current_user"
                assert tuple((await connection.execute(text(who))).one()) == (False, login)
            for statement in statements:
                async with engine.connect() as connection:
                    with pytest.raises(DBAPIError, match=r"permission denied|must be owner"):
                        await connection.execute(text(statement))
        finally:
            await engine.dispose()
    async with sessions() as session:
        actions = (await session.execute(text("SELECT action FROM credit_api.audit_log"))).scalars().all()
    assert {"customer.created", "credit_limit.set"} <= set(actions)


async def test_the_credit_check_operation_is_published_as_order_systems_integrated_it(
    document: dict[str, Any],
) -> None:
    """`POST /v1/credit-checks` is served past FastAPI's routing (credit_checks.routes.serve), but
    its published operation and every schema it names stay those order systems built against
    (tests/contract, taken from the document before the route was served so)."""
    published = json.loads(
        (Path(__file__).parents[1] / "contract" / "credit-check-operation.json").read_text()
    )
    assert document["paths"]["/v1/credit-checks"] == published["path"]
    schemas = document["components"]["schemas"]
    assert {name: schemas[name] for name in published["schemas"]} == published["schemas"]
