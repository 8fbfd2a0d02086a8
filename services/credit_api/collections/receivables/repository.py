"""The ledger as collections reads it (the risk worker's v_movements and v_credit_notes views): what
came off each invoice and when, which dunning, interest and disputes all need, and which of it
corrected the invoice rather than settled it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import driver

Dated = dict[tuple[str, str], list[tuple[date, Decimal]]]


async def reductions(session: AsyncSession, items: Sequence[tuple[str, str]]) -> Dated:
    """What came off each (customer, invoice) and when: payments, credit notes, write-offs."""
    return await _dated(
        session,
        "SELECT m.customer_code, m.item_id, m.effective_date, -m.amount "
        "FROM risk_worker.v_movements m JOIN unnest($1::text[], $2::text[]) AS k(code, item) "
        "ON m.customer_code = k.code AND m.item_id = k.item WHERE m.account = 'item' AND m.amount < 0",
        items,
    )


async def corrections(session: AsyncSession, items: Sequence[tuple[str, str]]) -> Dated:
    """What credit notes that correct each (customer, invoice) took off it, and on which day: late
    interest counts those from the due date (`shared/domain/interest.py`)."""
    return await _dated(
        session,
        "SELECT n.customer_code, n.invoice_id, n.issue_date, n.applied "
        "FROM risk_worker.v_credit_notes n JOIN unnest($1::text[], $2::text[]) AS k(code, item) "
        "ON n.customer_code = k.code AND n.invoice_id = k.item WHERE n.corrects AND n.applied > 0",
        items,
    )


async def _dated(session: AsyncSession, sql: str, items: Sequence[tuple[str, str]]) -> Dated:
    """(customer, invoice, day, amount) rows of a query over the items, by item."""
    if not items:
        return {}
    pg = await driver(session)
    rows = await pg.fetch(sql, [code for code, _ in items], [item for _, item in items])
    found: Dated = {}
    for code, item, day, amount in rows:
        found.setdefault((code, item), []).append((day, amount))
    return found
