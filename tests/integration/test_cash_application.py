"""Cash application through Kafka and PostgreSQL: payments that arrive without allocations are
matched by the risk worker; a sure match is applied through the ledger as Credence's own
`payment.allocated`, the others wait in the queue for a person to confirm or reject; dunning and
late interest follow; an applied match is reversible, and a bounced payment takes its match along."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.risk_worker.cash_application.repository import NUMBER, bare
from shared import cash_application_policies
from shared.domain.cash_application import normalise
from shared.roles import Role
from tests.integration.conftest import Api, Platform, eventually
from tests.integration.helpers import erp_event, invoice_event, payment_event, publish

CODE, OTHER = "C-CA1", "C-CA2"
STAFF = Role.CREDIT_CONTROLLER


def payment(payment_id: str, amount: str, received: date, remittance: str) -> dict[str, Any]:
    return payment_event(
        CODE,
        payment_id,
        amount,
        received.isoformat(),
        remittance_text=remittance,
        payer_name="Cash Application GmbH",
        payer_account="DE89370400440532013000",
    )


async def match_of(api: Api, payment_id: str, status: str) -> Any:
    async def reached() -> Any:
        response = await api.request("GET", f"/v1/cash-application/{payment_id}", role=STAFF)
        found = response.json() if response.status_code == 200 else {}
        return found if found.get("status") == status else None

    return await eventually(reached, within=30)


async def open_amounts(sessions: async_sessionmaker[AsyncSession]) -> dict[str, Decimal]:
    async with sessions() as session:
        rows = await session.execute(
            text("SELECT item_id, open_amount FROM risk_worker.open_items WHERE customer_code = :c"),
            {"c": CODE},
        )
        return {item: amount for item, amount in rows}


async def test_payments_without_allocations_are_matched_applied_queued_and_reversed(
    stack: Platform, sessions: async_sessionmaker[AsyncSession]
) -> None:
    api = stack.api
    today = datetime.now(UTC).date()
    paid_on, due, issued = today - timedelta(days=1), today - timedelta(days=12), today - timedelta(days=42)
    for code in (CODE, OTHER):
        await api.ok(
            "PUT",
            f"/v1/customers/{code}",
            role=Role.ERP,
            status=201,
            json={"name": code, "currency": "EUR", "contacts": {"accounts_payable_email": "ap@ca.example"}},
        )
    invoices = {"INV-5001": "1000.00", "INV-5002": "250.00", "INV-5003": "480.50", "INV-5004": "777.00"}
    await publish(
        stack.ar_events,
        [
            *(
                invoice_event(CODE, i, a, issue_date=issued.isoformat(), due_date=due.isoformat())
                for i, a in invoices.items()
            ),
            invoice_event(
                OTHER, "INV-7001", "480.50", issue_date=issued.isoformat(), due_date=due.isoformat()
            ),
        ],
    )

    async def booked() -> bool:
        return len(await open_amounts(sessions)) == 4

    await eventually(booked, within=30)
    await publish(
        stack.ar_events,
        [
            # Names its invoice, in the ERP's number without prefix or zeros: applied at once.
            payment("P-1", "1000.00", paid_on, "Payment inv 5001"),
            # Names another customer's invoice; its amount fits one of the payer's own: waits.
            payment("P-2", "480.50", paid_on, "INV-7001"),
            # Fits nothing: waits for a person to say what it pays.
            payment("P-3", "260.00", paid_on, "TRANSFER"),
        ],
    )

    applied = await match_of(api, "P-1", "applied")
    assert applied["applied_by"] == "cash-application" and applied["confidence"] == "0.99"
    assert [(line["invoice_id"], line["amount"]) for line in applied["lines"]] == [("INV-5001", "1000.00")]
    assert applied["payer_name"] == "Cash Application GmbH"
    # The ledger applied Credence's own event once, from the payment's date.
    async with sessions() as session:
        stored = (
            await session.execute(
                text(
                    "SELECT count(*) FROM risk_worker.events WHERE type = 'payment.allocated' "
                    "AND source = 'credence/risk-worker' AND subject = :c"
                ),
                {"c": CODE},
            )
        ).scalar_one()
        settled = (
            await session.execute(
                text(
                    "SELECT settled_on FROM risk_worker.open_items "
                    "WHERE customer_code = :c AND item_id = 'INV-5001'"
                ),
                {"c": CODE},
            )
        ).scalar_one()
    assert (stored, settled) == (1, paid_on)

    held = await match_of(api, "P-2", "pending")
    assert held["held"] == ["the remittance names invoice INV-7001 of customer C-CA2"]
    assert [line["invoice_id"] for line in held["lines"]] == ["INV-5003"]
    unmatched = await match_of(api, "P-3", "pending")
    assert unmatched["lines"] == [] and unmatched["reasons"] == [
        "nothing open fits the amount or the remittance"
    ]
    queue = await api.ok("GET", "/v1/cash-application", role=STAFF)
    assert [m["payment_id"] for m in queue] == ["P-2", "P-3"]

    # A person says what P-3 pays; the rest stays on account.
    refused = await api.request(
        "POST",
        "/v1/cash-application/P-3/confirm",
        role=STAFF,
        json={"allocations": [{"invoice_id": "INV-7001", "amount": "260.00"}]},
    )
    assert refused.status_code == 422 and "not an invoice of C-CA1" in refused.text
    confirmed = await api.ok(
        "POST",
        "/v1/cash-application/P-3/confirm",
        role=STAFF,
        json={"allocations": [{"invoice_id": "INV-5002", "amount": "250.00"}], "note": "per phone call"},
    )
    assert confirmed["status"] == "applying"
    again = await api.request("POST", "/v1/cash-application/P-3/confirm", role=STAFF)
    assert again.status_code == 409
    assert (await match_of(api, "P-3", "applied"))["applied_by"] != "cash-application"
    amounts = await open_amounts(sessions)
    assert (amounts["INV-5001"], amounts["INV-5002"], amounts["INV-5003"]) == (
        Decimal(0),
        Decimal(0),
        Decimal("480.50"),
    )

    # Dunning leaves alone the invoice a waiting payment may pay; late interest of the invoices
    # paid stops on the payment's date, not the day the match was made.
    await api.ok("POST", "/v1/dunning-runs", json={"as_of": paid_on.isoformat()})
    dunning = await api.ok("GET", f"/v1/customers/{CODE}/dunning", role=STAFF)
    dunned = {step["item_id"] for step in dunning["steps"]}
    assert "INV-5004" in dunned and "INV-5003" not in dunned
    claims = {c["item_id"]: c for c in await api.ok("GET", f"/v1/customers/{CODE}/interest", role=STAFF)}
    assert claims["INV-5002"]["settled_on"] == paid_on.isoformat()
    assert claims["INV-5002"]["days_late"] == (paid_on - due).days

    # A waiting match rejected leaves the cash on account; an applied one reversed reopens its invoice.
    assert (await api.ok("POST", "/v1/cash-application/P-2/reject", role=STAFF))["status"] == "rejected"
    reversing = await api.ok(
        "POST", "/v1/cash-application/P-1/reject", role=STAFF, json={"note": "paid INV-5004 really"}
    )
    assert reversing["status"] == "reversing"
    reversed_ = await match_of(api, "P-1", "reversed")
    assert reversed_["status_reason"] == f"undone by {reversed_['decided_by']}: paid INV-5004 really"
    assert (await open_amounts(sessions))["INV-5001"] == Decimal("1000.00")
    assert await api.ok("GET", "/v1/cash-application", role=STAFF) == []
    audit = await api.ok("GET", "/v1/audit", role=STAFF, params={"entity_type": "cash_match"})
    assert sorted(e["action"] for e in audit["items"]) == [
        "cash_match.confirmed",
        "cash_match.rejected",
        "cash_match.reversed",
    ]

    # A bounced payment takes its applied match along.
    await publish(
        stack.ar_events,
        [erp_event("payment.reversed", CODE, {"payment_id": "P-3", "reversed_date": today.isoformat()})],
    )
    bounced = await match_of(api, "P-3", "reversed")
    assert bounced["status_reason"] == "the payment was reversed"
    assert (await open_amounts(sessions))["INV-5002"] == Decimal("250.00")


async def test_a_policy_that_matches_a_credit_groups_invoices_proposes_them_for_a_person_only(
    stack: Platform, sessions: async_sessionmaker[AsyncSession]
) -> None:
    api = stack.api
    broken = await api.ok(
        "PUT", "/v1/cash-application-policies/broken", status=422, json={"apply_from": "1.5", "max_items": 0}
    )
    assert {e["pointer"] for e in broken["errors"]} == {"#/apply_from", "#/max_items"}
    document = {
        **(await api.ok("GET", "/v1/cash-application-policies/default"))["document"],
        "group_items": True,
    }
    await api.ok("PUT", "/v1/cash-application-policies/groups", status=201, json=document)
    await api.ok(
        "PUT",
        "/v1/credit-groups/ACME",
        role=Role.CREDIT_MANAGER,
        status=201,
        json={"name": "Acme", "currency": "EUR"},
    )
    for code in ("C-G1", "C-G2"):
        body = {"name": code, "currency": "EUR", "credit_group": "ACME"}
        await api.ok("PUT", f"/v1/customers/{code}", role=Role.ERP, status=201, json=body)
    today = datetime.now(UTC).date().isoformat()
    await publish(
        stack.ar_events, [invoice_event("C-G2", "INV-880001", "555.55", issue_date=today, due_date=today)]
    )

    async def booked() -> bool:
        async with sessions() as session:
            found = await session.execute(
                text("SELECT 1 FROM risk_worker.open_items WHERE item_id = 'INV-880001'")
            )
            return found.first() is not None

    await eventually(booked, within=30)
    # The parent company pays its subsidiary's invoice.
    paid = payment_event("C-G1", "P-G1", "555.55", today, bank_reference="INV 880001")
    await publish(stack.ar_events, [paid])
    match = await match_of(api, "P-G1", "pending")
    assert match["policy_version"] == "groups"
    assert match["lines"] == [
        {
            "customer_code": "C-G2",
            "invoice_id": "INV-880001",
            "amount": "555.55",
            "deduction": None,
            "deduction_reason": None,
        }
    ]
    assert match["held"] == ["pays invoices of C-G2, of the same credit group"]
    refused = await api.request("POST", "/v1/cash-application/P-G1/confirm", role=STAFF)
    assert refused.status_code == 422 and "move the payment to that customer in the ERP" in refused.text


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.lists(st.text(alphabet="INVREFA-0123456789 ./#ab", min_size=1, max_size=14), min_size=1, max_size=30)
)
async def test_the_index_reads_an_invoice_number_as_the_matcher_does(
    sessions: async_sessionmaker[AsyncSession], ids: list[str]
) -> None:
    """Other customers' invoices are looked up by the index's expression: for every id it must
    give what the matcher's normalisation, less any letters left before the number, gives."""
    prefixes = cash_application_policies.default().prefixes
    async with sessions() as session:
        rows = await session.execute(
            # The expression is the repository's constant, not input.
            text(f"SELECT {NUMBER.replace('i.item_id', 'x')} FROM unnest(CAST(:ids AS text[])) AS t(x)"),  # noqa: S608
            {"ids": ids},
        )
        assert list(rows.scalars()) == [bare(normalise(i, prefixes)) for i in ids]


async def test_a_prepayment_is_matched_when_its_invoice_arrives_unless_a_person_decided_on_it(
    stack: Platform, sessions: async_sessionmaker[AsyncSession]
) -> None:
    api = stack.api
    today = datetime.now(UTC).date()
    await api.ok(
        "PUT", f"/v1/customers/{CODE}", role=Role.ERP, status=201, json={"name": CODE, "currency": "EUR"}
    )
    # Two proformas paid before their invoices exist; a person sets the second aside meanwhile.
    await publish(
        stack.ar_events,
        [
            payment("P-PRE1", "300.00", today, "PROFORMA 9100"),
            payment("P-PRE2", "410.00", today, "PROFORMA 9200"),
        ],
    )
    waiting = await match_of(api, "P-PRE1", "pending")
    assert waiting["lines"] == []
    await match_of(api, "P-PRE2", "pending")
    await api.ok("POST", "/v1/cash-application/P-PRE2/reject", role=STAFF, json={"note": "refund requested"})
    issued = today.isoformat()
    await publish(
        stack.ar_events,
        [
            invoice_event(CODE, "INV-9100", "300.00", issue_date=issued, due_date=issued),
            invoice_event(CODE, "INV-9200", "410.00", issue_date=issued, due_date=issued),
        ],
    )
    applied = await match_of(api, "P-PRE1", "applied")
    assert [(line["invoice_id"], line["amount"]) for line in applied["lines"]] == [("INV-9100", "300.00")]
    assert applied["match_id"] != waiting["match_id"]
    void = await api.ok("GET", "/v1/cash-application", role=STAFF, params={"status": "void"})
    assert [(m["payment_id"], m["status_reason"]) for m in void] == [
        ("P-PRE1", "matched again when invoices arrived")
    ]
    amounts = await open_amounts(sessions)
    assert (amounts["INV-9100"], amounts["INV-9200"]) == (Decimal(0), Decimal("410.00"))
    assert (await api.ok("GET", "/v1/cash-application/P-PRE2", role=STAFF))["status"] == "rejected"
