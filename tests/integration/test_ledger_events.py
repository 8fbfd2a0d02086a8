"""Each ERP event type through Kafka into the ledger, and the ones that can never apply."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.risk_worker.main import serve
from services.risk_worker.settings import WorkerSettings
from shared.models.risk_worker import Balance, LedgerCustomer, OpenItem, StoredEvent
from shared.roles import Role
from tests.integration.conftest import KAFKA, Api, eventually
from tests.integration.helpers import drain, invoice_event, publish, running
from tests.integration.ledger import journal_matches_balances

Sessions = async_sessionmaker[AsyncSession]


def ev(type_: str, **data: Any) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "erp/test",
        "type": type_,
        "subject": "C-1",
        "data": {"customer_code": "C-1", **data},
    }


def pay(payment_id: str, amount: str, *allocations: tuple[str, str], currency: str = "EUR") -> dict[str, Any]:
    return ev(
        "payment.received",
        payment_id=payment_id,
        currency=currency,
        amount=amount,
        received_date="2026-11-10",
        allocations=[{"invoice_id": i, "amount": a} for i, a in allocations],
    )


async def state(
    sessions: Sessions,
) -> tuple[tuple[Decimal, Decimal, Decimal], dict[str, tuple[Decimal, str]]]:
    async with sessions() as session:
        balance = (await session.execute(select(Balance).where(Balance.customer_code == "C-1"))).scalar_one()
        items = (
            (await session.execute(select(OpenItem).where(OpenItem.customer_code == "C-1"))).scalars().all()
        )
    return (
        (balance.open_receivables, balance.unallocated_cash, balance.unapplied_credit),
        {i.item_id: (i.open_amount, i.status) for i in items},
    )


async def run_until_stored(
    worker_settings: WorkerSettings, sessions: Sessions, events: list[dict[str, Any]], stored: int
) -> None:
    await publish(worker_settings.ar_events_topic, events)
    async with running(serve, worker_settings):

        async def done() -> bool:
            async with sessions() as session:
                count = len((await session.execute(select(StoredEvent.seq))).all())
            return count >= stored

        await eventually(done)


async def test_every_event_type_moves_the_balances(
    worker_settings: WorkerSettings, sessions: Sessions
) -> None:
    events = [
        pay("PAY-0", "150.00", ("INV-1", "100.00")),  # before its invoice: parked, on account meanwhile
        invoice_event("C-1", "INV-1", "300.00"),
        invoice_event("C-1", "INV-2", "200.00"),
        invoice_event("C-1", "INV-3", "50.00"),
        ev("invoice.adjusted", invoice_id="INV-2", amount="180.00"),
        ev(
            "credit_note.issued",
            credit_note_id="CN-1",
            currency="EUR",
            amount="30.00",
            issue_date="2026-11-11",
            invoice_id="INV-2",
        ),
        ev(
            "credit_note.issued",
            credit_note_id="CN-2",
            currency="EUR",
            amount="5.00",
            issue_date="2026-11-11",
        ),
        ev("invoice.written_off", invoice_id="INV-3", date="2026-11-20"),
        pay("PAY-1", "60.00", ("INV-2", "60.00")),
        ev("invoice.cancelled", invoice_id="INV-2"),  # PAY-1's 60 and CN-1's 30 go back on account
        pay("PAY-2", "40.00", ("INV-1", "40.00")),
        ev("payment.reversed", payment_id="PAY-2", reversed_date="2026-11-21"),  # bounced
    ]
    await run_until_stored(worker_settings, sessions, events, len(events))
    balance, items = await state(sessions)
    assert items == {
        "INV-1": (Decimal("200.00"), "open"),
        "INV-2": (Decimal("0.00"), "cancelled"),
        "INV-3": (Decimal("0.00"), "written_off"),
    }
    # open 200; cash: PAY-0 50 left + PAY-1 60 returned; credit: CN-2 5 + CN-1 30 released
    assert balance == (Decimal("200.00"), Decimal("110.00"), Decimal("35.00"))
    assert await journal_matches_balances(sessions, ["C-1"])
    async with sessions() as session:
        stub = await session.get(LedgerCustomer, "C-1")
    assert stub is not None
    assert stub.master_data_missing is True


async def test_events_that_can_never_apply_are_dead_lettered(
    worker_settings: WorkerSettings, sessions: Sessions
) -> None:
    good = [invoice_event("C-1", "INV-1", "100.00"), pay("PAY-1", "30.00", ("INV-1", "30.00"))]
    bad = [
        pay("PAY-2", "500.00", ("INV-1", "500.00")),
        pay("PAY-3", "10.00", ("INV-1", "10.00"), currency="USD"),
        ev("invoice.adjusted", invoice_id="INV-1", amount="20.00"),
        ev("invoice.written_off", invoice_id="INV-1", date="2026-11-20", amount="80.00"),
        ev("payment.reversed", payment_id="PAY-404", reversed_date="2026-11-20"),
    ]
    await run_until_stored(worker_settings, sessions, [*good, *bad, invoice_event("C-1", "INV-2", "1.00")], 3)
    reasons = [h["dlq.reason"] for _, h in await drain(worker_settings.dead_letter_topic, len(bad))]
    assert "exceeds the open balance 70.00 of invoice INV-1" in reasons[0]
    assert "payment in USD allocated to invoice INV-1 in EUR" in reasons[1]
    assert "30.00 is already paid" in reasons[2]
    assert "write-off 80.00 exceeds the open balance 70.00" in reasons[3]
    assert "unknown payment PAY-404" in reasons[4]
    balance, _ = await state(sessions)
    assert balance == (Decimal("71.00"), Decimal("0.00"), Decimal("0.00"))


async def test_a_rebuild_from_the_event_store_gives_identical_projections(
    worker_settings: WorkerSettings, sessions: Sessions
) -> None:
    from services.risk_worker.ledger.rebuild import rebuild

    events = [
        pay("PAY-0", "150.00", ("INV-1", "100.00")),
        invoice_event("C-1", "INV-1", "300.00", order_ref="SO-1"),
        invoice_event("C-1", "INV-2", "200.00"),
        ev("invoice.cancelled", invoice_id="INV-2"),
        ev(
            "credit_note.issued",
            credit_note_id="CN-1",
            currency="EUR",
            amount="30.00",
            issue_date="2026-11-11",
            invoice_id="INV-1",
        ),
        pay("PAY-1", "40.00", ("INV-1", "40.00")),
        ev("payment.reversed", payment_id="PAY-1", reversed_date="2026-11-21"),
    ]
    await run_until_stored(worker_settings, sessions, events, len(events))
    tables = ("open_items", "payments", "allocations", "credit_notes", "balances", "order_invoicing")

    async def dump() -> dict[str, list[tuple[object, ...]]]:
        async with sessions() as session:
            return {
                t: sorted(
                    tuple(r)
                    for r in (
                        await session.execute(
                            text(
                                f"SELECT * FROM risk_worker.{t}"  # noqa: S608 - fixed table names
                            )
                        )
                    ).all()
                )
                for t in tables
            }

    def comparable(rows: dict[str, list[tuple[object, ...]]]) -> dict[str, list[tuple[object, ...]]]:
        # Row ids and timestamps are new after a rebuild; the figures must not be.
        def keep(value: object) -> bool:
            return isinstance(value, bool) or not isinstance(value, datetime | int)

        return {t: [tuple(v for v in r if keep(v)) for r in rows[t]] for t in rows}

    before = await dump()
    async with sessions() as session, session.begin():
        assert await rebuild(session) == len(events)
    assert comparable(await dump()) == comparable(before)


@pytest.mark.parametrize("by", ["cli", "api"])
async def test_dead_letters_are_listed_and_replayed_after_a_fix(
    api: Api, worker_settings: WorkerSettings, sessions: Sessions, by: str
) -> None:
    from services.risk_worker.dead_letters.service import replay
    from shared.kafka import make_producer

    early = ev("invoice.written_off", invoice_id="INV-9", date="2026-11-20")  # before its invoice exists
    await run_until_stored(worker_settings, sessions, [invoice_event("C-1", "INV-1", "5.00"), early], 1)
    page = await eventually(lambda: _dead_letters(api))
    [letter] = page["items"]
    assert ("unknown invoice INV-9" in letter["reason"], letter["key"]) == (True, "C-1")
    await publish(worker_settings.ar_events_topic, [invoice_event("C-1", "INV-9", "70.00")])
    if by == "api":
        # Through credit_api's outbox; the letter goes back once, however often it is asked for.
        replay_body = {"ids": [letter["id"]]}
        await api.ok(
            "POST", "/v1/dead-letters/replay", role=Role.CREDIT_MANAGER, status=403, json=replay_body
        )
        assert (await api.ok("POST", "/v1/dead-letters/replay", json=replay_body))["replayed"] == [
            letter["id"]
        ]
        assert (await api.ok("POST", "/v1/dead-letters/replay", json=replay_body))["replayed"] == []
        [entry] = (await api.ok("GET", "/v1/audit?entity_type=dead_letter"))["items"]
        assert entry["action"] == "dead_letter.replayed"
    producer = make_producer(KAFKA, client_id="test-replay")
    await producer.start()
    try:
        async with sessions() as session, session.begin():
            # The CLI leaves alone what credit_api replayed already.
            assert await replay(session, producer, None) == (1 if by == "cli" else 0)
    finally:
        await producer.stop()
    await run_until_stored(worker_settings, sessions, [], 3)
    _, items = await state(sessions)
    assert items["INV-9"] == (Decimal("0.00"), "written_off")
    assert (await api.ok("GET", "/v1/dead-letters", role=Role.CREDIT_CONTROLLER))["items"] == []
    replayed = (await api.ok("GET", "/v1/dead-letters?pending=false", role=Role.CREDIT_CONTROLLER))["items"]
    assert [d["id"] for d in replayed if d["replayed_at"]] == [letter["id"]]


async def _dead_letters(api: Api) -> dict[str, Any] | None:
    page: dict[str, Any] = await api.ok("GET", "/v1/dead-letters", role=Role.ERP)
    return page if page["items"] else None
