from __future__ import annotations

from decimal import Decimal

from aiokafka import ConsumerRecord
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.events import CloudEvent
from shared.models.risk_worker import Allocation, Balance, OpenItem, OrderInvoicing, Payment, StoredEvent


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


async def add_item(session: AsyncSession, item: OpenItem) -> bool:
    """False when the customer already has an item with this id."""
    values = {
        c.key: getattr(item, c.key) for c in OpenItem.__table__.columns if getattr(item, c.key) is not None
    }
    statement = (
        insert(OpenItem)
        .values(values)
        .on_conflict_do_nothing(index_elements=[OpenItem.customer_code, OpenItem.item_id])
        .returning(OpenItem.item_id)
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None


async def add_to_balance(session: AsyncSession, customer_code: str, currency: str, delta: Decimal) -> None:
    statement = insert(Balance).values(customer_code=customer_code, currency=currency, open_receivables=delta)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[Balance.customer_code, Balance.currency],
            set_={
                "open_receivables": Balance.open_receivables + statement.excluded.open_receivables,
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


async def item_for_update(session: AsyncSession, customer_code: str, item_id: str) -> OpenItem | None:
    result = await session.execute(
        select(OpenItem)
        .where(OpenItem.customer_code == customer_code, OpenItem.item_id == item_id)
        .with_for_update()
    )
    return result.scalar_one_or_none()


async def add_payment(session: AsyncSession, payment: Payment) -> bool:
    """False when the customer already has a payment with this id."""
    values = {
        c.key: getattr(payment, c.key)
        for c in Payment.__table__.columns
        if getattr(payment, c.key) is not None
    }
    statement = (
        insert(Payment)
        .values(values)
        .on_conflict_do_nothing(index_elements=[Payment.customer_code, Payment.payment_id])
        .returning(Payment.payment_id)
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None


async def add_allocation(session: AsyncSession, allocation: Allocation) -> None:
    session.add(allocation)
    await session.flush()


async def add_unallocated(session: AsyncSession, customer_code: str, currency: str, delta: Decimal) -> None:
    statement = insert(Balance).values(
        customer_code=customer_code, currency=currency, open_receivables=0, unallocated_cash=delta
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[Balance.customer_code, Balance.currency],
            set_={
                "unallocated_cash": Balance.unallocated_cash + statement.excluded.unallocated_cash,
                "updated_at": func.now(),
            },
        )
    )
