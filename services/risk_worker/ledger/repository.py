from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from aiokafka import ConsumerRecord
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.events import CloudEvent
from shared.models.risk_worker import (
    Allocation,
    Balance,
    CreditNote,
    LedgerCustomer,
    Movement,
    OpenItem,
    OrderInvoicing,
    ParkedAllocation,
    Payment,
    StoredEvent,
)


async def store_event(session: AsyncSession, event: CloudEvent, record: ConsumerRecord[bytes, bytes]) -> bool:
    """Record the event in the store; False when `(source, id)` was already there (a redelivery)."""
    statement = (
        insert(StoredEvent)
        .values(
            source=event.source,
            event_id=event.id,
            type=event.type,
            subject=event.subject,
            time=event.time,
            data=event.data,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
        )
        .on_conflict_do_nothing(index_elements=[StoredEvent.source, StoredEvent.event_id])
        .returning(StoredEvent.seq)
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None


async def seen_customer(session: AsyncSession, customer_code: str, *, master_data: bool) -> None:
    """A customer first seen in a ledger event is a stub until its master data arrives."""
    statement = insert(LedgerCustomer).values(
        customer_code=customer_code, master_data_missing=not master_data
    )
    if master_data:
        statement = statement.on_conflict_do_update(
            index_elements=[LedgerCustomer.customer_code], set_={"master_data_missing": False}
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=[LedgerCustomer.customer_code])
    await session.execute(statement)


async def _insert_new(
    session: AsyncSession, row: OpenItem | Payment | CreditNote, keys: Sequence[str]
) -> bool:
    """Insert unless a row with the same key exists; False in that case."""
    model = type(row)
    values = {c.key: getattr(row, c.key) for c in model.__table__.columns if getattr(row, c.key) is not None}
    statement = insert(model).values(values).on_conflict_do_nothing(index_elements=list(keys))
    return (await session.execute(statement.returning(model.__table__.c[keys[0]]))).first() is not None


async def add_item(session: AsyncSession, item: OpenItem) -> bool:
    """False when the customer already has an item with this id."""
    return await _insert_new(session, item, ["customer_code", "item_id"])


async def add_payment(session: AsyncSession, payment: Payment) -> bool:
    return await _insert_new(session, payment, ["customer_code", "payment_id"])


async def add_credit_note(session: AsyncSession, note: CreditNote) -> bool:
    return await _insert_new(session, note, ["customer_code", "credit_note_id"])


async def item_for_update(session: AsyncSession, customer_code: str, item_id: str) -> OpenItem | None:
    result = await session.execute(
        select(OpenItem)
        .where(OpenItem.customer_code == customer_code, OpenItem.item_id == item_id)
        .with_for_update()
    )
    return result.scalar_one_or_none()


async def payment_for_update(session: AsyncSession, customer_code: str, payment_id: str) -> Payment | None:
    result = await session.execute(
        select(Payment)
        .where(Payment.customer_code == customer_code, Payment.payment_id == payment_id)
        .with_for_update()
    )
    return result.scalar_one_or_none()


async def adjust_balance(
    session: AsyncSession,
    customer_code: str,
    currency: str,
    *,
    on: date | None,
    open_: Decimal = Decimal(0),
    cash: Decimal = Decimal(0),
    credit: Decimal = Decimal(0),
) -> None:
    """Move the customer's open receivables, unallocated cash and unapplied credit in one currency;
    cash and credit are journaled on `on` (None: the caller journals them itself)."""
    if on is not None:
        journal(session, customer_code, "cash", currency, cash, on)
        journal(session, customer_code, "credit", currency, credit, on)
    statement = insert(Balance).values(
        customer_code=customer_code,
        currency=currency,
        open_receivables=open_,
        unallocated_cash=cash,
        unapplied_credit=credit,
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[Balance.customer_code, Balance.currency],
            set_={
                "open_receivables": Balance.open_receivables + statement.excluded.open_receivables,
                "unallocated_cash": Balance.unallocated_cash + statement.excluded.unallocated_cash,
                "unapplied_credit": Balance.unapplied_credit + statement.excluded.unapplied_credit,
                "updated_at": func.now(),
            },
        )
    )


async def add_invoiced(
    session: AsyncSession, customer_code: str, order_ref: str, currency: str, delta: Decimal
) -> None:
    statement = insert(OrderInvoicing).values(
        customer_code=customer_code, order_ref=order_ref, currency=currency, invoiced_amount=delta
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[OrderInvoicing.customer_code, OrderInvoicing.order_ref, OrderInvoicing.currency],
            set_={"invoiced_amount": OrderInvoicing.invoiced_amount + statement.excluded.invoiced_amount},
        )
    )


async def add_allocation(session: AsyncSession, allocation: Allocation) -> None:
    session.add(allocation)
    await session.flush()


async def take_allocations(
    session: AsyncSession, customer_code: str, *, payment_id: str | None = None, item_id: str | None = None
) -> Sequence[Allocation]:
    """Remove and return the allocations of a payment, or to an item."""
    statement = delete(Allocation).where(Allocation.customer_code == customer_code)
    if payment_id is not None:
        statement = statement.where(Allocation.payment_id == payment_id)
    if item_id is not None:
        statement = statement.where(Allocation.item_id == item_id)
    return (await session.execute(statement.returning(Allocation))).scalars().all()


async def add_to_payment_unallocated(
    session: AsyncSession, customer_code: str, payment_id: str, delta: Decimal
) -> None:
    await session.execute(
        update(Payment)
        .where(
            Payment.customer_code == customer_code,
            Payment.payment_id == payment_id,
        )
        .values(unallocated=Payment.unallocated + delta)
    )


async def park(session: AsyncSession, parked: ParkedAllocation) -> None:
    session.add(parked)
    await session.flush()


async def take_parked(
    session: AsyncSession, customer_code: str, *, invoice_id: str | None = None, payment_id: str | None = None
) -> Sequence[ParkedAllocation]:
    statement = delete(ParkedAllocation).where(ParkedAllocation.customer_code == customer_code)
    if invoice_id is not None:
        statement = statement.where(ParkedAllocation.invoice_id == invoice_id)
    if payment_id is not None:
        statement = statement.where(ParkedAllocation.payment_id == payment_id)
    return (await session.execute(statement.returning(ParkedAllocation))).scalars().all()


async def credit_applied_to(session: AsyncSession, customer_code: str, item_id: str) -> Sequence[CreditNote]:
    result = await session.execute(
        select(CreditNote)
        .where(
            CreditNote.customer_code == customer_code,
            CreditNote.invoice_id == item_id,
            CreditNote.applied > 0,
        )
        .with_for_update()
    )
    return result.scalars().all()


def journal(
    session: AsyncSession,
    customer_code: str,
    account: str,
    currency: str,
    amount: Decimal,
    on: date,
    item_id: str | None = None,
) -> None:
    """One line of the journal; written with the rest of the batch."""
    if amount:
        session.add(
            Movement(
                customer_code=customer_code,
                account=account,
                item_id=item_id,
                currency=currency,
                amount=amount,
                effective_date=on,
            )
        )
