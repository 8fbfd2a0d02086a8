"""Bounded resources and security headers: a key over its rate gets 429 problems with Retry-After,
a body over the limit a 413 problem, and every response the headers that keep browsers safe."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.credit_api.kernel.settings import ApiSettings
from shared.roles import Role
from tests.integration.conftest import Api, api_client, eventually
from tests.integration.helpers import outbox_empty


@pytest.fixture
async def tight(api_settings: ApiSettings, keys: dict[Role, str]) -> AsyncIterator[Api]:
    settings = api_settings.model_copy(
        update={"rate_limit_per_second": 1.0, "rate_limit_burst": 3, "max_body_bytes": 10_000}
    )
    async with api_client(settings, keys) as client:
        yield client


async def test_a_key_over_its_rate_is_told_when_to_come_back(tight: Api) -> None:
    answers = [await tight.request("GET", "/v1/customers", role=Role.ERP) for _ in range(5)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429, 429]
    refused = answers[-1]
    assert (refused.headers["retry-after"], refused.headers["content-type"]) == (
        "1",
        "application/problem+json",
    )
    assert refused.json()["type"] == "urn:credence:problem:rate-limited"
    # Another key has its own allowance.
    assert (await tight.request("GET", "/v1/customers", role=Role.CREDIT_CONTROLLER)).status_code == 200


async def test_a_body_over_the_limit_is_a_413_problem(tight: Api) -> None:
    response = await tight.request(
        "POST",
        "/v1/events",
        role=Role.ERP,
        content=b"[" + b" " * 20_000 + b"]",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413, response.text
    assert response.json()["type"] == "urn:credence:problem:body-too-large", response.text

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it arrives
        yield b"["
        for _ in range(20):
            yield b" " * 1000
        yield b"]"

    streamed = await tight.request(
        "POST", "/v1/events", role=Role.ERP, content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert (streamed.status_code, streamed.json()["type"]) == (413, "urn:credence:problem:body-too-large")


async def test_every_response_carries_the_security_headers(api: Api) -> None:
    for path, kind in (
        ("/v1/customers", "api"),
        ("/v1/customers/NOPE", "api"),
        ("/docs", "page"),
        ("/console/sign-in", "page"),
    ):
        response = await api.request("GET", path, role=Role.ERP)
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["x-frame-options"] == "DENY", path
        assert response.headers["referrer-policy"] == "no-referrer", path
        policy = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy and (("default-src 'none'" in policy) == (kind == "api")), (
            path
        )


async def test_a_busy_database_is_a_503_at_once_never_a_hang(
    api: Api, api_settings: ApiSettings, keys: dict[Role, str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    for code in ("C-1", "C-2"):
        await api.ok(
            "POST", "/v1/customers", status=201, json={"customer_code": code, "name": code, "currency": "EUR"}
        )
        await api.ok(
            "PUT", f"/v1/customers/{code}/credit-limit", json={"amount": "1000.00", "reason": "initial"}
        )
    settings = api_settings.model_copy(
        update={
            "db_pool_size": 1,  # and as many again in overflow: two connections
            "db_pool_timeout_seconds": 0.3,
            "check_deadline_seconds": 0.5,
            "check_batch_size": 1,
        }
    )
    body = {"amount": "10.00", "currency": "EUR", "reserve": False}
    # Else the new client's relay may claim these events and hold one of its two connections while
    # its producer first meets Kafka, longer than the pool's timeout.
    await eventually(lambda: outbox_empty(sessions))
    async with api_client(settings, keys) as slow, sessions() as holder, holder.begin():
        # Someone holds both customers' rows: each lane's check waits on one, holding a connection
        # (two checks of the same customer would not: the second waits in the pipeline for the first).
        await holder.execute(
            text("SELECT 1 FROM credit_api.customers WHERE customer_code IN ('C-1', 'C-2') FOR UPDATE")
        )
        started = time.monotonic()
        checks = await asyncio.gather(
            *(
                slow.request(
                    "POST",
                    "/v1/credit-checks",
                    role=Role.ORDER_SYSTEM,
                    json={**body, "customer_code": code, "order_ref": f"SO-{code}"},
                )
                for code in ("C-1", "C-2")
            )
        )
        read = await slow.request("GET", "/v1/customers/C-1", role=Role.ERP)  # no connection left
        waited = time.monotonic() - started
        await holder.rollback()
    assert [c.status_code for c in checks] == [503, 503]
    assert all(
        c.headers["retry-after"] == "1" and c.json()["type"] == "urn:credence:problem:unavailable"
        for c in checks
    )
    assert (read.status_code, read.json()["type"]) == (503, "urn:credence:problem:unavailable")
    assert waited < 10  # answered while the row is still held: without the deadlines, never
