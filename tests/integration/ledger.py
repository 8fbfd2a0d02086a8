"""Writing the risk worker's projection directly, for credit_api tests that need receivables in a
given state without running the worker (the worker's own tests cover how events produce them)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.models.risk_worker import Balance, OpenItem, OrderInvoicing


async def invoice(
    sessions: async_sessionmaker[AsyncSession],
    customer: str,
    invoice_id: str,
    amount: str,
    *,
    currency: str = "EUR",
    due: date = date(2099, 1, 1),
    order_ref: str | None = None,
) -> None:
    value = Decimal(amount)
    async with sessions() as session, session.begin():
        await session.execute(
            insert(OpenItem).values(
                customer_code=customer,
                item_id=invoice_id,
                item_type="invoice",
                currency=currency,
                amount=value,
                open_amount=value,
                issue_date=min(due, date(2026, 1, 1)),
                due_date=due,
                order_ref=order_ref,
            )
        )
        balance = insert(Balance).values(customer_code=customer, currency=currency, open_receivables=value)
        await session.execute(
            balance.on_conflict_do_update(
                index_elements=[Balance.customer_code, Balance.currency],
                set_={"open_receivables": Balance.open_receivables + value},
            )
        )
        if order_ref:
            invoiced = insert(OrderInvoicing).values(
                customer_code=customer, order_ref=order_ref, currency=currency, invoiced_amount=value
            )
            await session.execute(
                invoiced.on_conflict_do_update(
                    index_elements=[
                        OrderInvoicing.customer_code,
                        OrderInvoicing.order_ref,
                        OrderInvoicing.currency,
                    ],
                    set_={"invoiced_amount": OrderInvoicing.invoiced_amount + value},
                )
            )


async def journal_matches_balances(sessions: async_sessionmaker[AsyncSession], customers: list[str]) -> bool:
    """The journal, summed over all dates, gives today's balances and open items exactly."""
    from sqlalchemy import func, select

    from shared.models.risk_worker import Movement

    async with sessions() as session:
        sums = {
            (c, a, cur): total
            for c, a, cur, total in (
                await session.execute(
                    select(
                        Movement.customer_code, Movement.account, Movement.currency, func.sum(Movement.amount)
                    )
                    .where(Movement.customer_code.in_(customers))
                    .group_by(Movement.customer_code, Movement.account, Movement.currency)
                )
            ).all()
        }
        items = {
            (c, i): total
            for c, i, total in (
                await session.execute(
                    select(Movement.customer_code, Movement.item_id, func.sum(Movement.amount))
                    .where(Movement.customer_code.in_(customers), Movement.account == "item")
                    .group_by(Movement.customer_code, Movement.item_id)
                )
            ).all()
        }
        balances = (
            await session.execute(select(Balance).where(Balance.customer_code.in_(customers)))
        ).scalars()
        open_items = (
            await session.execute(select(OpenItem).where(OpenItem.customer_code.in_(customers)))
        ).scalars()
        zero = Decimal(0)
        for b in balances:
            for account, value in (
                ("item", b.open_receivables),
                ("cash", b.unallocated_cash),
                ("credit", b.unapplied_credit),
            ):
                if sums.get((b.customer_code, account, b.currency), zero) != value:
                    return False
        return all(items.get((i.customer_code, i.item_id), zero) == i.open_amount for i in open_items)
