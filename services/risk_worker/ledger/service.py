"""The receivables ledger: open items and the balances that make up exposure."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.risk_worker.ledger import repository
from shared.errors import InvalidEvent
from shared.events import InvoiceIssued
from shared.models.risk_worker import OpenItem
from shared.money import round_money


async def issue_invoice(session: AsyncSession, invoice: InvoiceIssued) -> None:
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
