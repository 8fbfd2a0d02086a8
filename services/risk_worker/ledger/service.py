"""The receivables ledger: open items, payments and their allocations, credit notes, write-offs,
and the balances that make up exposure. An item's open balance is its amount less allocated
payments, applied credit notes and write-offs. Each function returns whether the customer's
receivables went down, which lets held orders be looked at again."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from services.risk_worker.ledger import repository
from shared.errors import InvalidEvent
from shared.events import (
    CreditNoteIssued,
    InvoiceAdjusted,
    InvoiceCancelled,
    InvoiceIssued,
    InvoiceWrittenOff,
    PaymentReceived,
    PaymentReversed,
)
from shared.models.risk_worker import Allocation, CreditNote, OpenItem, ParkedAllocation, Payment
from shared.money import format_amount, parse_amount, round_money

ZERO = Decimal(0)


async def _open_invoice(session: AsyncSession, customer_code: str, invoice_id: str) -> OpenItem:
    item = await repository.item_for_update(session, customer_code, invoice_id)
    if item is None:
        raise InvalidEvent(f"unknown invoice {invoice_id}")
    if item.status == "cancelled":
        raise InvalidEvent(f"invoice {invoice_id} is cancelled")
    return item


def _move(session: AsyncSession, item: OpenItem, delta: Decimal, on: date) -> None:
    """Change an item's open balance, and journal it for ageing as of any date."""
    item.open_amount += delta
    repository.journal(session, item.customer_code, "item", item.currency, delta, on, item_id=item.item_id)


async def _allocate(
    session: AsyncSession, item: OpenItem, payment_id: str, amount: Decimal, on: date
) -> None:
    if amount > item.open_amount:
        raise InvalidEvent(
            f"allocation {format_amount(amount, item.currency)} exceeds the open balance "
            f"{format_amount(item.open_amount, item.currency)} of invoice {item.item_id}"
        )
    _move(session, item, -amount, on)
    await repository.add_allocation(
        session,
        Allocation(
            customer_code=item.customer_code,
            payment_id=payment_id,
            item_id=item.item_id,
            amount=amount,
            allocated_on=on,
        ),
    )


async def issue_invoice(session: AsyncSession, invoice: InvoiceIssued, on: date) -> bool:
    code, cur = invoice.customer_code, invoice.currency
    amount = round_money(invoice.amount, cur)
    item = OpenItem(
        customer_code=code,
        item_id=invoice.invoice_id,
        item_type="invoice",
        currency=cur,
        amount=amount,
        open_amount=amount,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        order_ref=invoice.order_ref,
        status="open",
    )
    if not await repository.add_item(session, item):
        raise InvalidEvent(f"invoice {invoice.invoice_id} was already issued by another event")
    repository.journal(session, code, "item", cur, amount, invoice.issue_date, item_id=invoice.invoice_id)
    await repository.adjust_balance(session, code, cur, on=invoice.issue_date, open_=amount)
    if invoice.order_ref:
        # Consumes the order's reservation in credit_api in this same commit: never counted twice.
        await repository.add_invoiced(session, code, invoice.order_ref, cur, amount)
    parked = await repository.take_parked(session, code, invoice_id=invoice.invoice_id)
    if not parked:
        return False
    # Payments that named this invoice before it arrived: their money moves from on account to it.
    item = await _open_invoice(session, code, invoice.invoice_id)
    applied = ZERO
    # Oldest payment first, so that which payment an invoice consumed never depends on row order.
    for allocation in sorted(parked, key=lambda p: (p.allocated_on, p.payment_id)):
        share = min(allocation.amount, item.open_amount)
        if share > 0:
            # On account from the payment's date; applied once the invoice exists.
            on = max(allocation.allocated_on, invoice.issue_date)
            await _allocate(session, item, allocation.payment_id, share, on)
            await repository.add_to_payment_unallocated(session, code, allocation.payment_id, -share)
            repository.journal(session, code, "cash", cur, -share, on)
            applied += share
    await repository.adjust_balance(session, code, cur, on=None, open_=-applied, cash=-applied)
    return applied > 0


async def adjust_invoice(session: AsyncSession, event: InvoiceAdjusted, on: date) -> bool:
    item = await _open_invoice(session, event.customer_code, event.invoice_id)
    total = parse_amount(event.amount, item.currency, positive=False)
    settled = item.amount - item.open_amount
    if total < settled:
        raise InvalidEvent(
            f"invoice {item.item_id} cannot be adjusted to {format_amount(total, item.currency)}: "
            f"{format_amount(settled, item.currency)} is already paid, credited or written off"
        )
    delta = total - item.amount
    item.amount = total
    _move(session, item, delta, on)
    await repository.adjust_balance(session, item.customer_code, item.currency, on=on, open_=delta)
    if item.order_ref:
        await repository.add_invoiced(session, item.customer_code, item.order_ref, item.currency, delta)
    return delta < 0


async def cancel_invoice(session: AsyncSession, event: InvoiceCancelled, on: date) -> bool:
    """Payments allocated to it go back on account; credit notes applied to it become unapplied."""
    code = event.customer_code
    item = await _open_invoice(session, code, event.invoice_id)
    returned = ZERO
    for allocation in await repository.take_allocations(session, code, item_id=item.item_id):
        await repository.add_to_payment_unallocated(session, code, allocation.payment_id, allocation.amount)
        returned += allocation.amount
    credited = ZERO
    for note in await repository.credit_applied_to(session, code, item.item_id):
        credited += note.applied
        note.applied = ZERO
    await repository.adjust_balance(
        session, code, item.currency, on=on, open_=-item.open_amount, cash=returned, credit=credited
    )
    if item.order_ref:
        await repository.add_invoiced(session, code, item.order_ref, item.currency, -item.amount)
    _move(session, item, -item.open_amount, on)
    item.status = "cancelled"
    return True


async def write_off(session: AsyncSession, event: InvoiceWrittenOff, on: date) -> bool:
    item = await _open_invoice(session, event.customer_code, event.invoice_id)
    amount = item.open_amount if event.amount is None else parse_amount(event.amount, item.currency)
    if amount > item.open_amount:
        raise InvalidEvent(
            f"write-off {format_amount(amount, item.currency)} exceeds the open balance "
            f"{format_amount(item.open_amount, item.currency)} of invoice {item.item_id}"
        )
    _move(session, item, -amount, event.date)
    if item.open_amount == 0:
        item.status = "written_off"
    await repository.adjust_balance(session, item.customer_code, item.currency, on=event.date, open_=-amount)
    return amount > 0


async def issue_credit_note(session: AsyncSession, note: CreditNoteIssued, on: date) -> bool:
    """Applied to its invoice up to the open balance; the rest, or all without an invoice, stays on
    account as unapplied credit."""
    code, cur = note.customer_code, note.currency
    applied = ZERO
    if note.invoice_id is not None:
        item = await _open_invoice(session, code, note.invoice_id)
        if item.currency != cur:
            raise InvalidEvent(f"credit note in {cur} for invoice {item.item_id} in {item.currency}")
        applied = min(note.amount, item.open_amount)
        _move(session, item, -applied, note.issue_date)
    if not await repository.add_credit_note(
        session,
        CreditNote(
            customer_code=code,
            credit_note_id=note.credit_note_id,
            currency=cur,
            amount=note.amount,
            issue_date=note.issue_date,
            invoice_id=note.invoice_id,
            applied=applied,
        ),
    ):
        raise InvalidEvent(f"credit note {note.credit_note_id} was already issued by another event")
    await repository.adjust_balance(
        session, code, cur, on=note.issue_date, open_=-applied, credit=note.amount - applied
    )
    return True


async def receive_payment(session: AsyncSession, payment: PaymentReceived, on: date) -> bool:
    """Allocate to the invoices named; an invoice not yet known gets its share when it arrives;
    the rest stays on account as unallocated cash."""
    code, cur = payment.customer_code, payment.currency
    if not await repository.add_payment(
        session,
        Payment(
            customer_code=code,
            payment_id=payment.payment_id,
            currency=cur,
            amount=payment.amount,
            unallocated=payment.amount,
            received_date=payment.received_date,
            status="received",
        ),
    ):
        raise InvalidEvent(f"payment {payment.payment_id} was already received by another event")
    allocated = ZERO
    for allocation in payment.allocations:
        item = await repository.item_for_update(session, code, allocation.invoice_id)
        if item is None:
            await repository.park(
                session,
                ParkedAllocation(
                    customer_code=code,
                    invoice_id=allocation.invoice_id,
                    payment_id=payment.payment_id,
                    amount=allocation.amount,
                    allocated_on=payment.received_date,
                ),
            )
            continue
        if item.status == "cancelled":
            raise InvalidEvent(f"allocation to cancelled invoice {item.item_id}")
        if item.currency != cur:
            raise InvalidEvent(f"payment in {cur} allocated to invoice {item.item_id} in {item.currency}")
        await _allocate(session, item, payment.payment_id, allocation.amount, payment.received_date)
        allocated += allocation.amount
    await repository.add_to_payment_unallocated(session, code, payment.payment_id, -allocated)
    await repository.adjust_balance(
        session, code, cur, on=payment.received_date, open_=-allocated, cash=payment.amount - allocated
    )
    return True


async def reverse_payment(session: AsyncSession, event: PaymentReversed, on: date) -> bool:
    """A bounced payment: its allocations are undone and the items reopen with their due dates."""
    code = event.customer_code
    payment = await repository.payment_for_update(session, code, event.payment_id)
    if payment is None:
        raise InvalidEvent(f"unknown payment {event.payment_id}")
    if payment.status == "reversed":
        raise InvalidEvent(f"payment {event.payment_id} is already reversed")
    reopened = ZERO
    for allocation in await repository.take_allocations(session, code, payment_id=payment.payment_id):
        item = await repository.item_for_update(session, code, allocation.item_id)
        assert item is not None
        _move(session, item, allocation.amount, event.reversed_date)
        item.status = "open"
        reopened += allocation.amount
    await repository.take_parked(session, code, payment_id=payment.payment_id)
    await repository.adjust_balance(
        session, code, payment.currency, on=event.reversed_date, open_=reopened, cash=-payment.unallocated
    )
    payment.unallocated = ZERO
    payment.status = "reversed"
    return False
