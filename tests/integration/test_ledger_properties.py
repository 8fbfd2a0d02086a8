"""Generated event streams, with duplicates, redeliveries and reorderings, through Kafka into the
risk worker: balances (the exposure projection) and ageing as of dates before, between and after
the events always equal a plain recomputation from the same events."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.credit_api.ageing.service import customer_ageing
from services.risk_worker.main import serve
from services.risk_worker.settings import WorkerSettings
from shared.ageing import Buckets
from shared.models.credit_api import Customer
from shared.models.risk_worker import Balance
from tests.integration.conftest import eventually
from tests.integration.helpers import publish, running
from tests.integration.ledger import journal_matches_balances
from tests.ledger_model import Ledger

ISSUE_DATES = st.sampled_from([date(2026, 6, 15), date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 5)])
# Before every event, between them (payments 11-10, credit notes 11-12, reversals 11-15, write-offs
# 11-20), and after all of them.
AGEING_DATES = [
    date(2026, 8, 31),
    date(2026, 10, 31),
    date(2026, 11, 11),
    date(2026, 11, 16),
    date(2027, 1, 31),
]
AMOUNTS = st.integers(min_value=1, max_value=50_000).map(lambda cents: f"{Decimal(cents) / 100:.2f}")


def event(customer: str, type_: str, **data: Any) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "erp/prop",
        "type": type_,
        "subject": customer,
        "data": {"customer_code": customer, **data},
    }


@st.composite
def customer_stream(draw: st.DrawFn, customer: str) -> list[dict[str, Any]]:
    """One customer's events in the order its ERP sent them, redeliveries included."""
    invoices = [f"INV-{i}" for i in range(draw(st.integers(1, 4)))]
    events = []
    for i in invoices:
        issued = draw(ISSUE_DATES)
        events.append(
            event(
                customer,
                "invoice.issued",
                invoice_id=i,
                currency="EUR",
                amount=draw(AMOUNTS),
                issue_date=issued.isoformat(),
                due_date=(issued + timedelta(days=30)).isoformat(),
            )
        )
    for n in range(draw(st.integers(0, 3))):
        named = draw(st.lists(st.sampled_from(invoices), unique=True, max_size=2))
        allocations = [{"invoice_id": i, "amount": draw(AMOUNTS)} for i in named]
        total = sum((Decimal(a["amount"]) for a in allocations), Decimal(0)) + Decimal(draw(AMOUNTS))
        payment = event(
            customer,
            "payment.received",
            payment_id=f"PAY-{n}",
            currency="EUR",
            amount=f"{total:.2f}",
            received_date="2026-11-10",
            allocations=allocations,
        )
        # Sometimes the payment overtakes the invoices it names: its allocations wait for them.
        events.insert(draw(st.integers(0, len(events))), payment)
        if draw(st.booleans()):
            events.append(
                event(customer, "payment.reversed", payment_id=f"PAY-{n}", reversed_date="2026-11-15")
            )
    for n in range(draw(st.integers(0, 2))):
        target = draw(st.sampled_from([None, *invoices]))
        events.append(
            event(
                customer,
                "credit_note.issued",
                credit_note_id=f"CN-{n}",
                currency="EUR",
                amount=draw(AMOUNTS),
                issue_date="2026-11-12",
                invoice_id=target,
            )
        )
    if draw(st.booleans()):
        events.append(
            event(
                customer, "invoice.written_off", invoice_id=draw(st.sampled_from(invoices)), date="2026-11-20"
            )
        )
    redelivered = draw(st.lists(st.sampled_from(events), max_size=3))
    return events + redelivered


async def balances(
    sessions: async_sessionmaker[AsyncSession], customers: list[str]
) -> dict[str, tuple[Decimal, Decimal, Decimal]]:
    async with sessions() as session:
        rows = (
            (await session.execute(select(Balance).where(Balance.customer_code.in_(customers))))
            .scalars()
            .all()
        )
    return {b.customer_code: (b.open_receivables, b.unallocated_cash, b.unapplied_credit) for b in rows}


# No shrinking: each try runs the real worker, and the failing stream is printed as generated.
@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(data=st.data())
async def test_balances_equal_a_plain_recomputation(
    data: st.DataObject, worker_settings: WorkerSettings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    run = uuid.uuid4().hex[:6]
    customers = [f"P{run}-{i}" for i in range(data.draw(st.integers(2, 6)))]
    streams = {c: data.draw(customer_stream(c)) for c in customers}
    # Customers interleave freely; each customer's own order is kept, as its Kafka partition keeps it.
    order = [c for c in customers for _ in streams[c]]
    random.Random(data.draw(st.integers())).shuffle(order)
    cursors = dict.fromkeys(customers, 0)
    published = []
    for c in order:
        published.append(streams[c][cursors[c]])
        cursors[c] += 1
    model = Ledger()
    for e in published:
        model.apply(e)
    expected = {
        c: (
            model.customers[c].open_by_currency().get("EUR", Decimal(0)),
            model.customers[c].cash["EUR"],
            model.customers[c].credit["EUR"],
        )
        for c in customers
    }
    await publish(worker_settings.ar_events_topic, published)
    async with running(serve, worker_settings):

        async def settled() -> bool:
            return await balances(sessions, customers) == expected

        await eventually(settled, within=30)
    assert await journal_matches_balances(sessions, customers)
    async with sessions() as session, session.begin():
        session.add_all(Customer(customer_code=c, name=c, currency="EUR") for c in customers)
    for c in customers:
        for as_of in AGEING_DATES:
            async with sessions() as session:
                ageing = await customer_ageing(session, c, as_of, "due_date", Buckets())
            shown = (
                {b.bucket: Decimal(b.amount) for b in ageing.buckets},
                Decimal(ageing.unallocated_cash),
                Decimal(ageing.unapplied_credit),
            )
            assert shown == model.customers[c].ageing(as_of), f"ageing of {c} as of {as_of}"
