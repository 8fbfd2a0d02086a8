"""A customer's statement of account for a period (`shared/domain/statements.py` over the journal),
as JSON, or as CSV and PDF in the customer's language."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.credit_api.credit.customers import service as customers
from services.credit_api.finance.statements import repository
from services.credit_api.finance.statements.schemas import (
    AccountOut,
    BucketAmount,
    LineOut,
    OpenItemOut,
    StatementOut,
)
from shared.domain.money import format_amount
from shared.domain.statements import period, statement


async def customer_statement(
    session: AsyncSession, customer_code: str, start: date, end: date, language: str | None = None
) -> StatementOut:
    """`language`: the words and numbers of the CSV and PDF; default the customer's own."""
    period(start, end)
    customer = await customers.get(session, customer_code)
    accounts = statement(await repository.entries(session, customer_code, start, end), start, end)
    return StatementOut(
        customer_code=customer_code,
        customer_name=customer.name,
        language=language or customer.language,
        period_from=start,
        period_to=end,
        accounts=[
            AccountOut(
                currency=(cur := a.currency),
                opening_balance=format_amount(a.opening, cur),
                lines=[
                    LineOut(
                        date=line.on,
                        kind=line.kind,
                        document_id=line.document_id,
                        items=line.items,
                        amount=format_amount(line.amount, cur),
                        balance=format_amount(line.balance, cur),
                    )
                    for line in a.lines
                ],
                total_debits=format_amount(a.debits, cur),
                total_credits=format_amount(a.credits, cur),
                closing_balance=format_amount(a.closing, cur),
                open_items=[
                    OpenItemOut(
                        item_id=i.item_id,
                        issue_date=i.first_on,
                        due_date=i.due_date,
                        open_amount=format_amount(i.amount, cur),
                        days_overdue=i.days_overdue,
                    )
                    for i in a.open_items
                ],
                ageing=[BucketAmount(bucket=b, amount=format_amount(v, cur)) for b, v in a.ageing.items()],
                unallocated_cash=format_amount(a.unallocated_cash, cur),
                unapplied_credit=format_amount(a.unapplied_credit, cur),
                interest_claimed=format_amount(a.interest_claimed, cur),
            )
            for a in accounts
        ],
    )
