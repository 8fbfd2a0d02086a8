"""Schemathesis over every operation of the live OpenAPI document, with a valid key of each role:
no 5xx, no response outside the document (status, headers, body, content type), every error a
problem+json, nothing refused that the document allows to be absent and nothing accepted that it
forbids. Requests the domain refuses although their shape is valid (an unknown currency code, an
amount with more decimals than its currency has, a period ending before it starts) are 422s by
design, so the check that every schema-valid request succeeds is left out.

Bounded by time here; `make fuzz` runs the same for longer (CREDENCE_FUZZ_SCALE)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from services.credit_api.kernel.settings import ApiSettings
from shared.roles import Role
from tests.integration.conftest import Api
from tests.integration.helpers import served

ST = str(Path(sys.executable).parent / "st")
SCALE = float(os.environ.get("CREDENCE_FUZZ_SCALE", "1"))


@pytest.mark.parametrize(
    ("role", "seconds"),
    [
        (Role.ADMIN, 45),
        (Role.ERP, 10),
        (Role.ORDER_SYSTEM, 10),
        (Role.CREDIT_CONTROLLER, 10),
        (Role.CREDIT_MANAGER, 10),
    ],
)
async def test_every_operation_keeps_its_contract_under_fuzzing(
    api: Api, api_settings: ApiSettings, keys: dict[Role, str], role: Role, seconds: int
) -> None:
    # The documented examples name C-1001: with it in place they reach a real credit file.
    body = {"customer_code": "C-1001", "name": "Acme Trading GmbH", "currency": "EUR"}
    await api.ok("POST", "/v1/customers", status=201, json=body)
    await api.ok("PUT", "/v1/customers/C-1001/credit-limit", json={"amount": "50000.00", "reason": "fuzz"})
    async with served(api_settings) as url:
        run = await asyncio.create_subprocess_exec(
            ST,
            "run",
            f"{url}/openapi.json",
            "--header",
            f"Authorization: Bearer {keys[role]}",
            "--checks",
            "all",
            "--exclude-checks",
            # A customer's specific provision, temporary limits or alerts exist only once made:
            # a 404 for them right after the customer is created is the truth, not a lost resource.
            "positive_data_acceptance,ensure_resource_availability",
            # The same requests on every run (a suite that passes here passes in CI); `make fuzz`
            # draws new ones for longer.
            *(
                ["--generation-deterministic", "--max-examples", "10"]
                if SCALE == 1
                else ["--max-examples", "200"]
            ),
            "--max-time",
            f"{seconds * SCALE:.0f}",
            "--seed",
            "20261125",
            "--workers",
            "1",
            "--no-color",
            "--warnings",
            "off",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        report = (await run.communicate())[0].decode()
    summary = report[report.rfind("SUMMARY") :]
    assert run.returncode == 0, report[-8000:]
    print(summary)  # operations and test cases run, shown with -s
