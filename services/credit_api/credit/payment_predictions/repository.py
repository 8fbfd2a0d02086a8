"""What a payment prediction as of a date reads, dated on or before it: the invoices open then (the
journal's movements after the date taken back off), the payments applied to invoices in the window
before it, the promises made by then and the disputes open then. Columns come back as arrays (one
row each query), dates as day numbers from 1970-01-01 and amounts as floats: a million invoices are
read in one round trip each and worked as arrays."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import driver
from shared.domain.prediction import Paid

# Kinds of journal line that are a payment applied to an invoice ('movement': recorded before the
# journal knew kinds, and negative on an invoice only when something came off it).
PAYMENT_KINDS = ["payment", "allocation", "movement"]

# Open then: open now, or settled (paid, credited or written off) after the date; and issued by it.
# Per customer and currency, as arrays: far fewer strings to decode than a row per invoice.
_OPEN = """
SELECT i.customer_code, i.currency, array_agg(i.item_id), array_agg(i.due_date - DATE '1970-01-01'),
       array_agg((i.open_amount - coalesce(l.later, 0))::float8)
FROM risk_worker.v_open_items i
LEFT JOIN (
    SELECT customer_code, item_id, sum(amount) AS later FROM risk_worker.v_movements
    WHERE account = 'item' AND effective_date > $1 AND ($2::text[] IS NULL OR customer_code = ANY($2))
    GROUP BY 1, 2
) l ON l.customer_code = i.customer_code AND l.item_id = i.item_id
WHERE i.item_type = 'invoice' AND i.issue_date <= $1 AND (i.open_amount > 0 OR i.settled_on > $1)
  AND i.open_amount - coalesce(l.later, 0) > 0 AND ($2::text[] IS NULL OR i.customer_code = ANY($2))
GROUP BY i.customer_code, i.currency
"""

# Per customer: its payments' days, due dates and amounts as arrays (far fewer strings to decode).
_PAID = """
SELECT customer_code, array_agg(effective_date - DATE '1970-01-01'), array_agg(due_date - DATE '1970-01-01'),
       array_agg((-amount)::float8)
FROM risk_worker.v_movements
WHERE account = 'item' AND amount < 0 AND kind = ANY($3::text[]) AND effective_date > $1
  AND effective_date <= $2 AND ($4::text[] IS NULL OR customer_code = ANY($4))
GROUP BY customer_code
"""

# The peers' payments summed per grade, day paid and due date: the pooled distribution is the same
# as from every payment, from a few thousand rows.
_PEERS = """
SELECT grade, array_agg(paid), array_agg(due), array_agg(amount)
FROM (
    SELECT coalesce(c.grade, '') AS grade, m.effective_date - DATE '1970-01-01' AS paid,
           m.due_date - DATE '1970-01-01' AS due, sum(-m.amount)::float8 AS amount
    FROM risk_worker.v_movements m LEFT JOIN credit_api.customers c ON c.customer_code = m.customer_code
    WHERE m.account = 'item' AND m.amount < 0 AND m.kind = ANY($3::text[]) AND m.effective_date > $1
      AND m.effective_date <= $2
    GROUP BY 1, 2, 3
) p
GROUP BY grade
"""


@dataclass(frozen=True)
class OpenInvoices:
    customers: list[str]
    currencies: list[str]
    item_ids: list[str]
    due: np.ndarray[Any, np.dtype[np.int64]]
    amount: np.ndarray[Any, np.dtype[np.float64]]


async def open_invoices(session: AsyncSession, as_of: date, customers: list[str] | None) -> OpenInvoices:
    pg = await driver(session)
    rows = await pg.fetch(_OPEN, as_of, customers)
    codes: list[str] = []
    currencies: list[str] = []
    for code, currency, items, *_ in rows:
        codes += [code] * len(items)
        currencies += [currency] * len(items)
    return OpenInvoices(
        codes,
        currencies,
        [item for row in rows for item in row[2]],
        np.concatenate([np.array(r[3], dtype=np.int64) for r in rows]) if rows else np.zeros(0, np.int64),
        np.concatenate([np.array(r[4], dtype=np.float64) for r in rows]) if rows else np.zeros(0),
    )


def _grouped(rows: list[Any]) -> tuple[list[str], Paid]:
    """Rows of (key, days paid, due days, amounts): the keys, and the payments with each key's index."""
    if not rows:
        return [], Paid(np.zeros(0, np.intp), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    sizes = [len(r[1]) for r in rows]
    return [r[0] for r in rows], Paid(
        np.repeat(np.arange(len(rows), dtype=np.intp), sizes),
        np.concatenate([np.array(r[1], dtype=np.int64) for r in rows]),
        np.concatenate([np.array(r[2], dtype=np.int64) for r in rows]),
        np.concatenate([np.array(r[3], dtype=np.float64) for r in rows]),
    )


async def payments(
    session: AsyncSession, first: date, as_of: date, customers: list[str] | None
) -> tuple[list[str], Paid]:
    """The payments applied to invoices after `first` through `as_of` (these customers', or all)."""
    pg = await driver(session)
    return _grouped(await pg.fetch(_PAID, first, as_of, PAYMENT_KINDS, customers))


async def peer_payments(session: AsyncSession, first: date, as_of: date) -> tuple[list[str], Paid]:
    """Every customer's payments in the window, pooled per grade ('' for none)."""
    pg = await driver(session)
    return _grouped(await pg.fetch(_PEERS, first, as_of, PAYMENT_KINDS))


async def grades(session: AsyncSession, codes: list[str]) -> list[str]:
    pg = await driver(session)
    rows = await pg.fetch(
        "SELECT k.code, coalesce(c.grade, '') FROM unnest($1::text[]) AS k(code) "
        "LEFT JOIN credit_api.customers c ON c.customer_code = k.code",
        codes,
    )
    found = {code: grade for code, grade in rows}
    return [found[code] for code in codes]


async def promise_record(session: AsyncSession, as_of: date, customers: list[str] | None) -> list[Any]:
    """(customer, promises kept, promises broken) as settled on or before `as_of`."""
    pg = await driver(session)
    rows: list[Any] = await pg.fetch(
        "SELECT customer_code, count(*) FILTER (WHERE status = 'kept'), "
        "count(*) FILTER (WHERE status = 'broken') FROM credit_api.promises "
        "WHERE settled_on <= $1 AND ($2::text[] IS NULL OR customer_code = ANY($2)) GROUP BY customer_code",
        as_of,
        customers,
    )
    return rows


async def open_promises(session: AsyncSession, as_of: date, customers: list[str] | None) -> list[Any]:
    """(customer, invoices (empty: any), currency, promised date) of the promises made on or before
    `as_of` and not settled by then."""
    pg = await driver(session)
    rows: list[Any] = await pg.fetch(
        "SELECT customer_code, item_ids::text, currency, promised_date FROM credit_api.promises "
        "WHERE made_on <= $1 AND (settled_on IS NULL OR settled_on > $1) "
        "AND ($2::text[] IS NULL OR customer_code = ANY($2))",
        as_of,
        customers,
    )
    return rows


async def disputed(session: AsyncSession, as_of: date, customers: list[str] | None) -> set[tuple[str, str]]:
    """(customer, invoice) under a dispute open on `as_of`."""
    pg = await driver(session)
    rows = await pg.fetch(
        "SELECT customer_code, item_id FROM credit_api.disputes WHERE opened_on <= $1 "
        "AND (resolved_at IS NULL OR resolved_at::date > $1) "
        "AND ($2::text[] IS NULL OR customer_code = ANY($2))",
        as_of,
        customers,
    )
    return {(code, item) for code, item in rows}


async def paid_after(
    session: AsyncSession, as_of: date, until: date
) -> tuple[list[str], list[str], list[int], list[float]]:
    """(customer, invoice, day, amount) of the payments applied to invoices after `as_of` through
    `until`: what happened, for a backtest."""
    pg = await driver(session)
    row = await pg.fetchrow(
        "SELECT coalesce(array_agg(customer_code), '{}'), coalesce(array_agg(item_id), '{}'), "
        "coalesce(array_agg(effective_date - DATE '1970-01-01'), '{}'), "
        "coalesce(array_agg((-amount)::float8), '{}') FROM risk_worker.v_movements "
        "WHERE account = 'item' AND amount < 0 AND kind = ANY($3::text[]) "
        "AND effective_date > $1 AND effective_date <= $2",
        as_of,
        until,
        PAYMENT_KINDS,
    )
    return row[0], row[1], row[2], row[3]
