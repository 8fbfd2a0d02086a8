"""Cash application's rows: payments' free cash, the open items a payment may pay (the customer's,
its credit group's, and other customers' by the numbers a remittance names), and the matches. Every
statement takes arrays: a batch of payments costs the same few round trips as one."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import driver
from shared.domain.cash_application import Line, Match, OpenItem
from shared.domain.ledger import Key
from shared.domain.money import round_money
from shared.domain.terms import InvalidTerms, parse_terms

_ITEMS = """
SELECT i.customer_code, i.item_id, i.currency, i.open_amount, i.issue_date, i.due_date, c.payment_terms
FROM risk_worker.open_items i LEFT JOIN credit_api.v_customer_credit c USING (customer_code)
WHERE i.item_type = 'invoice' AND i.status = 'open' AND i.open_amount > 0
"""


async def free_cash(session: AsyncSession, keys: Sequence[Key]) -> dict[Key, Decimal]:
    """Per payment, its unallocated cash not waiting for an invoice that has not arrived yet."""
    codes, ids = zip(*keys, strict=True) if keys else ((), ())
    conn = await driver(session)
    rows = await conn.fetch(
        "SELECT p.customer_code, p.payment_id, p.currency, "
        "p.unallocated - coalesce(sum(w.amount), 0) AS free "
        "FROM risk_worker.payments p LEFT JOIN risk_worker.parked_allocations w "
        "ON w.customer_code = p.customer_code AND w.payment_id = p.payment_id "
        "WHERE (p.customer_code, p.payment_id) IN (SELECT * FROM unnest($1::text[], $2::text[])) "
        "AND p.status = 'received' GROUP BY p.customer_code, p.payment_id, p.currency, p.unallocated",
        list(codes),
        list(ids),
    )
    return {(r["customer_code"], r["payment_id"]): round_money(r["free"], r["currency"]) for r in rows}


async def group_members(session: AsyncSession, codes: Sequence[str]) -> dict[str, list[str]]:
    """Per customer, the other customers of its credit group."""
    conn = await driver(session)
    rows = await conn.fetch(
        "SELECT m.customer_code, array_agg(o.customer_code ORDER BY o.customer_code) AS others "
        "FROM credit_api.v_credit_group_members m JOIN credit_api.v_credit_group_members o "
        "ON o.group_code = m.group_code AND o.customer_code <> m.customer_code "
        "WHERE m.customer_code = ANY($1::text[]) GROUP BY m.customer_code",
        list(codes),
    )
    return {r["customer_code"]: list(r["others"]) for r in rows}


def _item(row: Any) -> OpenItem:
    discount, until = Decimal(0), None
    if row["payment_terms"]:
        try:
            terms = parse_terms(row["payment_terms"])
        except InvalidTerms:
            terms = None
        if terms is not None and terms.discount:
            discount = terms.discount
            until = date.fromordinal(row["issue_date"].toordinal() + terms.discount_days)
    return OpenItem(
        row["customer_code"],
        row["item_id"],
        row["currency"],
        round_money(row["open_amount"], row["currency"]),
        row["due_date"],
        discount,
        until,
    )


async def open_items(session: AsyncSession, codes: Sequence[str]) -> list[OpenItem]:
    """These customers' open invoices, each with the early-payment discount its terms grant."""
    conn = await driver(session)
    rows = await conn.fetch(_ITEMS + "AND i.customer_code = ANY($1::text[])", list(codes))
    return [_item(r) for r in rows]


# An invoice number without separators and without the letters and zeros before it: what the index
# `ix_risk_worker_open_items_number` holds, so that other customers' invoices a remittance names are
# found by index among millions.
NUMBER = "regexp_replace(regexp_replace(upper(i.item_id), '[^A-Z0-9]', '', 'g'), '^[A-Z0]+', '')"


def bare(number: str) -> str:
    """A normalised number as `NUMBER` has it: whatever letters and zeros it starts with, dropped."""
    return number.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ0")


async def named_items(session: AsyncSession, numbers: Sequence[str]) -> list[OpenItem]:
    """Anyone's open invoices that these normalised numbers may name (more than they name, when
    an invoice's letters are not a prefix of the policy's: the matcher compares exactly)."""
    keys = sorted({bare(n) for n in numbers} - {""})
    if not keys:
        return []
    conn = await driver(session)
    rows = await conn.fetch(_ITEMS + f"AND {NUMBER} = ANY($1::text[])", keys)
    return [_item(r) for r in rows]


def lines_json(lines: Iterable[Line]) -> str:
    """Lines as the match stores them (and the queue shows them)."""
    return json.dumps(
        [
            {
                "customer_code": line.customer_code,
                "invoice_id": line.item_id,
                "amount": str(line.amount),
                "deduction": str(line.deduction) if line.deduction else None,
                "deduction_reason": line.deduction_reason,
            }
            for line in lines
        ]
    )


async def in_flight(session: AsyncSession, codes: Sequence[str]) -> dict[Key, Decimal]:
    """What matches applied but not yet through the ledger take off these customers' items."""
    conn = await driver(session)
    rows = await conn.fetch(
        "SELECT l->>'customer_code' AS customer_code, l->>'invoice_id' AS item_id, "
        "sum((l->>'amount')::numeric + coalesce((l->>'deduction')::numeric, 0)) AS taken "
        "FROM risk_worker.cash_matches m, jsonb_array_elements(m.lines) l "
        "WHERE m.status = 'applying' AND l->>'customer_code' = ANY($1::text[]) GROUP BY 1, 2",
        list(codes),
    )
    return {(r["customer_code"], r["item_id"]): r["taken"] for r in rows}


async def add(
    session: AsyncSession,
    matches: Sequence[tuple[uuid.UUID, dict[str, Any], Match, str, str]],
    now: datetime,
) -> None:
    """New matches: (id, the payment's columns, the match, its status, the policy version)."""
    if not matches:
        return
    conn = await driver(session)
    await conn.executemany(
        "INSERT INTO risk_worker.cash_matches (match_id, customer_code, payment_id, currency, amount, "
        "received_date, remittance_text, bank_reference, payer_name, payer_account, confidence, lines, "
        "reasons, held, status, applied_by, policy_version, proposed_at, changed_at) VALUES ($1, $2, $3, "
        "$4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13, $14, $15, $16, $17, $18, $18)",
        [
            (
                match_id,
                p["customer_code"],
                p["payment_id"],
                p["currency"],
                p["amount"],
                p["received_date"],
                p["remittance_text"],
                p["bank_reference"],
                p["payer_name"],
                p["payer_account"],
                found.confidence,
                lines_json(found.lines),
                list(found.reasons),
                list(found.held),
                status,
                "cash-application" if status == "applying" else None,
                version,
                now,
            )
            for match_id, p, found, status, version in matches
        ],
    )


async def settle(
    session: AsyncSession,
    changes: Sequence[tuple[uuid.UUID, str, str | None, str | None, str | None]],
    now: datetime,
) -> None:
    """Matches the ledger has applied, refused or undone: (id, status, reason, applied lines as
    JSON or None to keep them, who applied it or None to keep it)."""
    if not changes:
        return
    ids, statuses, reasons, lines, by = (list(c) for c in zip(*changes, strict=True))
    conn = await driver(session)
    await conn.execute(
        "UPDATE risk_worker.cash_matches m SET status = u.status, status_reason = u.reason, "
        "lines = coalesce(u.lines::jsonb, m.lines), applied_by = coalesce(u.applied_by, m.applied_by), "
        "changed_at = $6 FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[]) "
        "AS u(match_id, status, reason, lines, applied_by) WHERE m.match_id = u.match_id",
        ids,
        statuses,
        reasons,
        lines,
        by,
        now,
    )


async def reverse_with_payments(session: AsyncSession, payments: Sequence[Key], now: datetime) -> None:
    """A bounced payment took its applied matches with it; its waiting ones have nothing to apply."""
    if not payments:
        return
    codes, ids = (list(c) for c in zip(*payments, strict=True))
    conn = await driver(session)
    await conn.execute(
        "UPDATE risk_worker.cash_matches SET status = CASE WHEN status = 'pending' THEN 'void' "
        "ELSE 'reversed' END, status_reason = 'the payment was reversed', changed_at = $3 "
        "WHERE (customer_code, payment_id) IN (SELECT * FROM unnest($1::text[], $2::text[])) "
        "AND status IN ('pending', 'applying', 'applied')",
        codes,
        ids,
        now,
    )


async def active_policy(session: AsyncSession) -> tuple[str, dict[str, Any]] | None:
    conn = await driver(session)
    row = await conn.fetchrow("SELECT version, document FROM credit_api.v_active_cash_application_policy")
    return None if row is None else (row["version"], row["document"])


async def unmatched(session: AsyncSession, codes: Sequence[str]) -> list[Any]:
    """These customers' payments that nothing fitted, still waiting and decided by nobody."""
    conn = await driver(session)
    return list(
        await conn.fetch(
            "SELECT m.match_id, m.customer_code, m.payment_id, m.currency, m.amount, m.received_date, "
            "m.remittance_text, m.bank_reference, m.payer_name, m.payer_account "
            "FROM risk_worker.cash_matches m "
            "WHERE m.customer_code = ANY($1::text[]) AND m.status = 'pending' AND m.lines = '[]'::jsonb "
            "AND NOT EXISTS (SELECT 1 FROM credit_api.v_cash_match_decisions d "
            "WHERE d.match_id = m.match_id) FOR UPDATE OF m",
            list(codes),
        )
    )


async def void(session: AsyncSession, match_ids: Sequence[uuid.UUID], reason: str, now: datetime) -> None:
    if not match_ids:
        return
    conn = await driver(session)
    await conn.execute(
        "UPDATE risk_worker.cash_matches SET status = 'void', status_reason = $2, changed_at = $3 "
        "WHERE match_id = ANY($1::uuid[])",
        list(match_ids),
        reason,
        now,
    )
