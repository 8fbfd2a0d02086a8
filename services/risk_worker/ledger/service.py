"""The receivables ledger: open items, payments and their allocations, and the balances that make
up exposure. Every function returns whether the customer's receivables went down."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from services.risk_worker.ledger import repository
from shared.errors import InvalidEvent
from shared.events import InvoiceIssued, PaymentReceived
from shared.models.risk_worker import Allocation, OpenItem, Payment
from shared.money import format_amount, round_money


async def issue_invoice(session: AsyncSession, invoice: InvoiceIssued) -> bool:
    amount = round_money(invoice.amount, invoice.currency)
    added = await repository.add_item(
        session,
        OpenItem(
            customer_code=invoice.customer_code,
            item_id=invoice.invoice_id,
            item_type="invoice",
            currency=invoice.currency,
            amount=amount,
            open_amount=amount,
            issue_date=invoice.issue_date,
            due_date=invoice.due_date,
            order_ref=invoice.order_ref,
        ),
    )
    if not added:
        raise InvalidEvent(f"invoice {invoice.invoice_id} was already issued by another event")
    await repository.add_to_balance(session, invoice.customer_code, invoice.currency, amount)
    if invoice.order_ref:
        # Consumes the order's reservation in credit_api in this same commit: never counted twice.
        await repository.add_invoiced(
            session, invoice.customer_code, invoice.order_ref, invoice.currency, amount
        )
    return False


async def receive_payment(session: AsyncSession, payment: PaymentReceived) -> bool:
    """Allocate to the invoices named; the rest stays on account as unallocated cash."""
    code, cur = payment.customer_code, payment.currency
    allocated = Decimal(0)
    for allocation in payment.allocations:
        item = await repository.item_for_update(session, code, allocation.invoice_id)
        if item is None:
            raise InvalidEvent(f"allocation to unknown invoice {allocation.invoice_id}")
        if item.currency != cur:
            raise InvalidEvent(f"payment in {cur} allocated to invoice {item.item_id} in {item.currency}")
        if allocation.amount > item.open_amount:
            raise InvalidEvent(
                f"allocation {format_amount(allocation.amount, cur)} exceeds the open balance "
                f"{format_amount(item.open_amount, cur)} of invoice {item.item_id}"
            )
        item.open_amount -= allocation.amount
        allocated += allocation.amount
        await repository.add_allocation(
            session,
            Allocation(
                customer_code=code,
                payment_id=payment.payment_id,
                item_id=item.item_id,
                amount=allocation.amount,
                allocated_on=payment.received_date,
            ),
        )
    unallocated = payment.amount - allocated
    if not await repository.add_payment(
        session,
        Payment(
            customer_code=code,
            payment_id=payment.payment_id,
            currency=cur,
            amount=payment.amount,
            unallocated=unallocated,
            received_date=payment.received_date,
            status="received",
        ),
    ):
        raise InvalidEvent(f"payment {payment.payment_id} was already received by another event")
    if allocated:
        await repository.add_to_balance(session, code, cur, -allocated)
    if unallocated:
        await repository.add_unallocated(session, code, cur, unallocated)
    return True
