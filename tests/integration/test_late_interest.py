"""Late interest through the real ledger: a credit note that corrects its invoice (billed too high)
takes the credited part out of the interest-bearing balance from the due date, one that settles part
of it only from its own date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from shared.roles import Role
from tests.integration.conftest import Platform, eventually
from tests.integration.helpers import erp_event, invoice_event, publish

CODE = "C-LI1"


async def test_a_correcting_credit_note_reduces_interest_from_the_due_date(stack: Platform) -> None:
    api, staff = stack.api, Role.CREDIT_CONTROLLER
    await api.ok(
        "PUT", f"/v1/customers/{CODE}", role=Role.ERP, status=201, json={"name": "LI", "currency": "EUR"}
    )
    today = datetime.now(UTC).date()
    issued, due = today - timedelta(days=90), today - timedelta(days=60)
    credited = (due + timedelta(days=20)).isoformat()
    # A and B were billed 1,000 and 400 of each is credited 20 days after the due date: A's note
    # corrects the price, B's settles part of the debt. C was billed the 600 that A should have been.
    await publish(
        stack.ar_events,
        [
            invoice_event(CODE, f"INV-{x}", amount, issue_date=issued.isoformat(), due_date=due.isoformat())
            for x, amount in (("A", "1000.00"), ("B", "1000.00"), ("C", "600.00"))
        ],
    )
    await publish(
        stack.ar_events,
        [
            erp_event(
                "credit_note.issued",
                CODE,
                {
                    "credit_note_id": f"CN-{x}",
                    "currency": "EUR",
                    "amount": "400.00",
                    "issue_date": credited,
                    "invoice_id": f"INV-{x}",
                    "corrects": corrects,
                },
            )
            for x, corrects in (("A", True), ("B", False))
        ],
    )

    async def booked() -> Any:
        body = await api.ok("GET", f"/v1/customers/{CODE}/exposure", role=staff)
        return body["open_receivables"] == "1800.00"

    await eventually(booked, within=30)
    claims = await api.ok("GET", f"/v1/customers/{CODE}/interest?as_of={today.isoformat()}", role=staff)
    interest = {c["item_id"]: c["interest"] for c in claims}
    # A bears interest on 600 from its due date, as C does; B on 1,000 for 20 days, then on 600.
    assert interest["INV-A"] == interest["INV-C"]
    assert float(interest["INV-B"]) > float(interest["INV-C"])
    # 400 for 20 days at the policy's rate (ECB reference 2.15 % + 8 points): 400 × 10.15 % × 20/365.
    assert abs(float(interest["INV-B"]) - float(interest["INV-C"]) - 400 * 0.1015 * 20 / 365) <= 0.011
