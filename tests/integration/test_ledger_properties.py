"""Generated event streams, with duplicates, redeliveries and reorderings, through Kafka into the
risk worker: balances (the exposure projection), ageing as of dates before, between and after the
events, and the payment behaviour the worker's assessments carry always equal a plain
recomputation from the same events."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import partial
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.credit_api.finance.ageing.service import customer_ageing
from services.risk_worker.main import serve
from services.risk_worker.settings import WorkerSettings
from shared.domain import behaviour
from shared.domain.ageing import Buckets
from shared.domain.money import format_amount, round_money
from shared.domain.scorecard import behaviour_json
from shared.models.credit_api import Customer
from shared.models.risk_worker import Assessment, Balance
from tests.integration.conftest import eventually
from tests.integration.helpers import publish, running
from tests.integration.ledger import journal_matches_balances
from tests.ledger_model import Ledger
from tests.ledger_streams import AGEING_DATES, portfolio_stream


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


async def behaviour_shown(
    sessions: async_sessionmaker[AsyncSession], customers: list[str]
) -> dict[str, tuple[date, dict[str, Any]]]:
    async with sessions() as session:
        rows = (
            await session.execute(select(Assessment).where(Assessment.customer_code.in_(customers)))
        ).scalars()
        return {a.customer_code: (a.as_of, a.explanation["payment_behaviour"]) for a in rows}


def behaviour_expected(model: Ledger, customers: list[str]) -> dict[str, Any]:
    day = datetime.now(UTC).date()
    money = partial(format_amount, currency="EUR")
    return {
        c: (
            day,
            behaviour_json(
                behaviour.assess(model.customers[c].payment_experience(), model.customers[c].bounced(), day),
                lambda x: money(round_money(x, "EUR")),
            ),
        )
        for c in customers
    }


# No shrinking: each try runs the real worker, and the failing stream is printed as generated.
@settings(
    max_examples=15,
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
    published = data.draw(portfolio_stream(customers))
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
    # Credit files first: the worker assesses each customer batch by batch as its events apply.
    async with sessions() as session, session.begin():
        session.add_all(Customer(customer_code=c, name=c, currency="EUR") for c in customers)
    await publish(worker_settings.ar_events_topic, published)
    async with running(serve, worker_settings):

        async def settled() -> bool:
            return await balances(sessions, customers) == expected

        await eventually(settled, within=30)

        async def behaving() -> bool:
            return await behaviour_shown(sessions, customers) == behaviour_expected(model, customers)

        await eventually(behaving, within=30)
    assert await journal_matches_balances(sessions, customers)
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
