"""Bounded resources and security headers: a key over its rate gets 429 problems with Retry-After,
a body over the limit a 413 problem, and every response the headers that keep browsers safe."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from services.credit_api.settings import ApiSettings
from shared.roles import Role
from tests.integration.conftest import Api, api_client


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
