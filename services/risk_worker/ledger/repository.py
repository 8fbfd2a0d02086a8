"""The ledger's rows, read and written a batch at a time: each statement takes arrays (`unnest`), so
a batch costs the same handful of round trips whether it holds ten events or five thousand. Rows
the batch will change are locked as they are read."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import fields
from typing import Any, TypeVar

from pydantic_core import to_json
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import driver
from shared.domain.ledger import (
    Allocation,
    Changes,
    CreditNote,
    Item,
    Key,
    Ledger,
    Movement,
    Parked,
    Payment,
    Wanted,
)
from shared.events import CloudEvent


def _columns(keys: Iterable[Sequence[Any]]) -> list[list[Any]]:
    """Rows to the column arrays `unnest` takes."""
    rows = list(keys)
    return [list(column) for column in zip(*rows, strict=True)] if rows else []


ITEM_COLUMNS = tuple(f.name for f in fields(Item))


async def load(session: AsyncSession, want: Wanted) -> Ledger:
    """Everything the batch can touch: first the links (allocations, parked allocations, credit
    notes), then the items and payments they name besides the ones the events name."""
    conn = await driver(session)
    allocations = await _allocations(conn, want.item_links, want.payment_links)
    parked = await _parked(conn, want.parked_for_items, want.payment_links)
    notes = await _credit_notes(conn, want.credit_notes, want.item_links)
    item_keys = want.items | {(a.customer_code, a.item_id) for a in allocations}
    payment_keys = (
        want.payments
        | {(a.customer_code, a.payment_id) for a in allocations}
        | {(p.customer_code, p.payment_id) for p in parked}
    )
    items = await _items(conn, item_keys)
    payments = await _payments(conn, payment_keys)
    return Ledger(items, payments, allocations, notes, parked)


async def _fetch(conn: Any, sql: str, keys: set[Key]) -> list[Any]:
    if not keys:
        return []
    codes, ids = _columns(sorted(keys))
    return list(await conn.fetch(sql, codes, ids))


async def _items(conn: Any, keys: set[Key]) -> list[Item]:
    rows = await _fetch(
        conn,
        "SELECT customer_code, item_id, currency, amount, open_amount, issue_date, due_date, order_ref, "
        "status, item_type, settled_on FROM risk_worker.open_items "
        "WHERE (customer_code, item_id) IN (SELECT * FROM unnest($1::text[], $2::text[])) FOR UPDATE",
        keys,
    )
    return [Item(**row) for row in rows]


async def _payments(conn: Any, keys: set[Key]) -> list[Payment]:
    rows = await _fetch(
        conn,
        "SELECT customer_code, payment_id, currency, amount, unallocated, received_date, status "
        "FROM risk_worker.payments "
        "WHERE (customer_code, payment_id) IN (SELECT * FROM unnest($1::text[], $2::text[])) FOR UPDATE",
        keys,
    )
    return [Payment(**row) for row in rows]


_Row = TypeVar("_Row", Allocation, Parked, CreditNote)


async def _linked(
    conn: Any, row_type: type[_Row], sql: str, by_first: set[Key], by_second: set[Key]
) -> list[_Row]:
    """Rows matching either of two key sets ($1, $2 and $3, $4)."""
    if not by_first and not by_second:
        return []
    first = _columns(sorted(by_first)) or [[], []]
    second = _columns(sorted(by_second)) or [[], []]
    return [row_type(**row) for row in await conn.fetch(sql, *first, *second)]


async def _allocations(conn: Any, items: set[Key], payments: set[Key]) -> list[Allocation]:
    return await _linked(
        conn,
        Allocation,
        "SELECT id, customer_code, payment_id, item_id, amount, allocated_on, deduction "
        "FROM risk_worker.allocations "
        "WHERE (customer_code, item_id) IN (SELECT * FROM unnest($1::text[], $2::text[])) "
        "OR (customer_code, payment_id) IN (SELECT * FROM unnest($3::text[], $4::text[])) "
        "ORDER BY id FOR UPDATE",
        items,
        payments,
    )


async def _parked(conn: Any, invoices: set[Key], payments: set[Key]) -> list[Parked]:
    return await _linked(
        conn,
        Parked,
        "SELECT customer_code, invoice_id, payment_id, amount, allocated_on "
        "FROM risk_worker.parked_allocations "
        "WHERE (customer_code, invoice_id) IN (SELECT * FROM unnest($1::text[], $2::text[])) "
        "OR (customer_code, payment_id) IN (SELECT * FROM unnest($3::text[], $4::text[])) FOR UPDATE",
        invoices,
        payments,
    )


async def _credit_notes(conn: Any, notes: set[Key], applied_to: set[Key]) -> list[CreditNote]:
    return await _linked(
        conn,
        CreditNote,
        "SELECT customer_code, credit_note_id, currency, amount, issue_date, invoice_id, applied, corrects "
        "FROM risk_worker.credit_notes "
        "WHERE (customer_code, credit_note_id) IN (SELECT * FROM unnest($1::text[], $2::text[])) "
        "OR (applied > 0 AND (customer_code, invoice_id) IN (SELECT * FROM unnest($3::text[], $4::text[]))) "
        "FOR UPDATE",
        notes,
        applied_to,
    )


async def save(session: AsyncSession, changes: Changes) -> None:
    """Write what a batch did. Statements with nothing to write are skipped."""
    conn = await driver(session)
    statements: list[tuple[str, list[tuple[Any, ...]]]] = [
        (
            # Master data clears the stub flag; a ledger event alone never sets it back.
            "INSERT INTO risk_worker.customers (customer_code, master_data_missing) "
            "SELECT * FROM unnest($1::text[], $2::bool[]) ON CONFLICT (customer_code) DO UPDATE "
            "SET master_data_missing = false "
            "WHERE customers.master_data_missing AND NOT excluded.master_data_missing",
            [(code, not master) for code, master in sorted(changes.customers.items())],
        ),
        (
            "UPDATE risk_worker.open_items o SET amount = u.amount, open_amount = u.open_amount, "
            "status = u.status, settled_on = u.settled_on, updated_at = now() FROM unnest($1::text[], "
            "$2::text[], $3::numeric[], $4::numeric[], $5::text[], $6::date[]) "
            "AS u(customer_code, item_id, amount, open_amount, status, settled_on) "
            "WHERE o.customer_code = u.customer_code AND o.item_id = u.item_id",
            [(i.customer_code, i.item_id, *i.state()) for i in changes.changed_items],
        ),
        (
            "INSERT INTO risk_worker.payments (customer_code, payment_id, currency, amount, unallocated, "
            "received_date, status) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], "
            "$4::numeric[], $5::numeric[], $6::date[], $7::text[])",
            [
                (
                    p.customer_code,
                    p.payment_id,
                    p.currency,
                    p.amount,
                    p.unallocated,
                    p.received_date,
                    p.status,
                )
                for p in changes.new_payments
            ],
        ),
        (
            "UPDATE risk_worker.payments p SET unallocated = u.unallocated, status = u.status "
            "FROM unnest($1::text[], $2::text[], $3::numeric[], $4::text[]) "
            "AS u(customer_code, payment_id, unallocated, status) "
            "WHERE p.customer_code = u.customer_code AND p.payment_id = u.payment_id",
            [(p.customer_code, p.payment_id, *p.state()) for p in changes.changed_payments],
        ),
        (
            "DELETE FROM risk_worker.allocations WHERE id = ANY($1::bigint[])",
            [(allocation_id,) for allocation_id in changes.removed_allocations],
        ),
        (
            "INSERT INTO risk_worker.allocations (customer_code, payment_id, item_id, amount, allocated_on, "
            "deduction) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::numeric[], $5::date[], "
            "$6::numeric[])",
            [
                (a.customer_code, a.payment_id, a.item_id, a.amount, a.allocated_on, a.deduction)
                for a in changes.new_allocations
            ],
        ),
        (
            "INSERT INTO risk_worker.credit_notes (customer_code, credit_note_id, currency, amount, "
            "issue_date, invoice_id, applied, corrects) SELECT * FROM unnest($1::text[], $2::text[], "
            "$3::text[], $4::numeric[], $5::date[], $6::text[], $7::numeric[], $8::boolean[])",
            [
                (
                    n.customer_code,
                    n.credit_note_id,
                    n.currency,
                    n.amount,
                    n.issue_date,
                    n.invoice_id,
                    n.applied,
                    n.corrects,
                )
                for n in changes.new_credit_notes
            ],
        ),
        (
            "UPDATE risk_worker.credit_notes n SET applied = u.applied "
            "FROM unnest($1::text[], $2::text[], $3::numeric[]) AS u(customer_code, credit_note_id, applied) "
            "WHERE n.customer_code = u.customer_code AND n.credit_note_id = u.credit_note_id",
            [(n.customer_code, n.credit_note_id, n.applied) for n in changes.changed_credit_notes],
        ),
        (
            "DELETE FROM risk_worker.parked_allocations p USING unnest($1::text[], $2::text[], $3::text[]) "
            "AS u(customer_code, invoice_id, payment_id) WHERE p.customer_code = u.customer_code "
            "AND p.invoice_id = u.invoice_id AND p.payment_id = u.payment_id",
            list(changes.removed_parked),
        ),
        (
            "INSERT INTO risk_worker.parked_allocations (customer_code, invoice_id, payment_id, amount, "
            "allocated_on) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::numeric[], "
            "$5::date[])",
            [
                (p.customer_code, p.invoice_id, p.payment_id, p.amount, p.allocated_on)
                for p in changes.new_parked
            ],
        ),
        (
            "INSERT INTO risk_worker.balances AS b (customer_code, currency, open_receivables, "
            "unallocated_cash, unapplied_credit) SELECT * FROM unnest($1::text[], $2::text[], "
            "$3::numeric[], $4::numeric[], $5::numeric[]) ON CONFLICT (customer_code, currency) DO UPDATE "
            "SET open_receivables = b.open_receivables + excluded.open_receivables, "
            "unallocated_cash = b.unallocated_cash + excluded.unallocated_cash, "
            "unapplied_credit = b.unapplied_credit + excluded.unapplied_credit, updated_at = now()",
            [(code, cur, *totals) for (code, cur), totals in sorted(changes.balances.items())],
        ),
        (
            # Consumes the orders' reservations in credit_api in this same commit.
            "INSERT INTO risk_worker.order_invoicing AS o (customer_code, order_ref, currency, "
            "invoiced_amount) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::numeric[]) "
            "ON CONFLICT (customer_code, order_ref, currency) DO UPDATE "
            "SET invoiced_amount = o.invoiced_amount + excluded.invoiced_amount, changed_at = now()",
            [(*key, amount) for key, amount in sorted(changes.invoiced.items())],
        ),
    ]
    for sql, rows in statements:
        if rows:
            await conn.execute(sql, *_columns(rows))
    # New rows go in by binary COPY, the cheapest way in; a key taken meanwhile fails the batch,
    # which is then read again and finds the row.
    await _copy(
        conn,
        "open_items",
        ITEM_COLUMNS,
        [tuple(getattr(i, c) for c in ITEM_COLUMNS) for i in changes.new_items],
    )
    # A movement is a tuple in the journal's column order.
    await _copy(conn, "movements", Movement._fields, changes.movements)


async def _copy(conn: Any, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    if rows:
        await conn.copy_records_to_table(
            table, schema_name="risk_worker", columns=list(columns), records=rows
        )


async def lock_partitions(session: AsyncSession, partitions: Iterable[tuple[str, int]]) -> None:
    """Hold the batch's partitions until commit, in one order: a consumer that lost them in a
    rebalance without knowing it yet waits for their new owner's commit, then finds its events
    stored, rather than both applying them at once."""
    conn = await driver(session)
    await conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended(p, 0)) FROM unnest($1::text[]) AS p ORDER BY p",
        sorted(f"credence.partition:{topic}:{partition}" for topic, partition in set(partitions)),
    )


async def stored(session: AsyncSession, keys: Iterable[Key]) -> set[Key]:
    """Which `(source, id)` are in the event store already: redeliveries."""
    conn = await driver(session)
    rows = await _fetch(
        conn,
        "SELECT source, event_id FROM risk_worker.events "
        "WHERE (source, event_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))",
        set(keys),
    )
    return {(row["source"], row["event_id"]) for row in rows}


async def store(session: AsyncSession, events: Sequence[tuple[CloudEvent, str, int, int]]) -> None:
    """Add applied events to the store, in the order applied: (event, topic, partition, offset)."""
    await _copy(
        await driver(session),
        "events",
        ("source", "event_id", "type", "subject", "time", "data", "topic", "partition", "offset"),
        [
            (e.source, e.id, e.type, e.subject, e.time, to_json(e.data).decode(), topic, partition, offset)
            for e, topic, partition, offset in events
        ],
    )


async def payment_terms(session: AsyncSession, codes: Sequence[str]) -> dict[str, str]:
    """The payment terms of these customers in the credit file, where set."""
    conn = await driver(session)
    rows = await conn.fetch(
        "SELECT customer_code, payment_terms FROM credit_api.v_customer_credit "
        "WHERE customer_code = ANY($1::text[]) AND payment_terms IS NOT NULL",
        list(codes),
    )
    return {r["customer_code"]: r["payment_terms"] for r in rows}
