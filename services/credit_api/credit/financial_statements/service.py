"""Financial statements: credit staff or an ERP file them over HTTP; they travel to the risk worker
as a `financial_statement.filed` event on the ERP topic, in order with the customer's other events,
exactly as an ERP's own event would. The ratios are shown beside them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.access.audit.service import record
from services.credit_api.credit.customers import service as customers
from services.credit_api.credit.financial_statements import repository
from services.credit_api.credit.financial_statements.schemas import RatioOut, StatementIn, StatementOut
from services.credit_api.kernel.principal import Principal
from services.credit_api.kernel.settings import ApiSettings
from shared.domain import financials
from shared.domain.financials import AMOUNT_FIELDS, Statement
from shared.domain.money import format_amount
from shared.events import FINANCIAL_STATEMENT_FILED, FinancialStatementFiled, new_event
from shared.models.credit_api import Outbox
from shared.outbox import outbox_row


async def file(
    session: AsyncSession,
    principal: Principal,
    customer_code: str,
    period_end: date,
    body: StatementIn,
    settings: ApiSettings,
) -> StatementOut:
    await customers.get(session, customer_code)
    statement = financials.check(body.statement(period_end))
    data = FinancialStatementFiled(
        customer_code=customer_code, period_end=period_end, **body.model_dump(mode="json")
    )
    event = new_event(
        source=settings.source, type_=FINANCIAL_STATEMENT_FILED, subject=customer_code, data=data
    )
    session.add(outbox_row(Outbox, settings.ar_events_topic, event))
    await record(
        session,
        principal,
        "financial_statement.filed",
        "customer",
        customer_code,
        before=None,
        after=data.model_dump(mode="json"),
    )
    earlier = [s for s, _ in await _stored(session, customer_code) if s.period_end < period_end]
    return _view(customer_code, body.audited, body.source, statement, earlier[0] if earlier else None, None)


async def listing(session: AsyncSession, customer_code: str) -> list[StatementOut]:
    await customers.get(session, customer_code)
    stored = await _stored(session, customer_code)
    return [
        _view(
            customer_code,
            row["audited"],
            row["source"],
            s,
            stored[i + 1][0] if i + 1 < len(stored) else None,
            row,
        )
        for i, (s, row) in enumerate(stored)
    ]


async def _stored(session: AsyncSession, customer_code: str) -> list[tuple[Statement, dict[str, Any]]]:
    found = []
    for row in await repository.for_customer(session, customer_code):
        values = dict(row._mapping)
        statement = Statement(
            period_end=values["period_end"],
            currency=values["currency"],
            period_months=values["period_months"],
            **{name: values[name] for name in AMOUNT_FIELDS},
        )
        found.append((statement, values))
    return found


def _view(
    customer_code: str,
    audited: bool,
    source: str | None,
    s: Statement,
    previous: Statement | None,
    stored: dict[str, Any] | None,
) -> StatementOut:
    ratios = financials.with_changes(
        financials.ratios(s), None if previous is None else financials.ratios(previous)
    )

    def text(value: Decimal | None) -> str | None:
        return None if value is None else format_amount(value, s.currency)

    return StatementOut(
        customer_code=customer_code,
        period_end=s.period_end,
        period_months=s.period_months,
        currency=s.currency,
        audited=audited,
        source=source,
        figures={name: text(getattr(s, name)) for name in AMOUNT_FIELDS},
        ratios={
            name: RatioOut(
                value=None if r.value is None else str(r.value),
                change=None if r.change is None else str(r.change),
                reason=r.reason,
            )
            for name, r in ratios.items()
        },
        filed_at=None if stored is None else stored["filed_at"],
    )
