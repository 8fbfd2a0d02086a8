"""The matches (the risk worker's, through `risk_worker.v_cash_matches`) with the decisions people
took on them (credit_api's own `cash_match_decisions`): what a match's status is to a person is
the two read together."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models.credit_api import CashMatchDecision

# The latest decision on each match, and the status it gives the match; `{where}` narrows the
# matches by what the risk worker recorded, before the decisions are joined.
_MATCHES = """
SELECT * FROM (
  SELECT m.match_id, m.customer_code, m.payment_id, m.currency, m.amount, m.received_date,
         m.remittance_text, m.bank_reference, m.payer_name, m.payer_account, m.confidence, m.lines,
         m.reasons, m.held, m.status_reason, m.applied_by, m.policy_version, m.proposed_at,
         m.changed_at, d.decided_by,
         CASE WHEN d.decision = 'rejected' THEN 'rejected'
              WHEN m.status = 'pending' AND d.decision = 'confirmed' THEN 'applying'
              WHEN m.status = 'applied' AND d.decision = 'reversed' THEN 'reversing'
              ELSE m.status END AS status
  FROM risk_worker.v_cash_matches m
  LEFT JOIN LATERAL (
    SELECT decision, decided_by FROM credit_api.cash_match_decisions d
    WHERE d.match_id = m.match_id ORDER BY decided_at DESC LIMIT 1
  ) d ON true
  {where}
) matches
"""

# What the risk worker recorded for a match a person sees in each status (a decision may stand
# between the two).
RECORDED = {
    "pending": ("pending",),
    "applying": ("pending", "applying"),
    "applied": ("applied",),
    "refused": ("refused",),
    "rejected": ("pending", "refused"),
    "reversing": ("applied",),
    "reversed": ("reversed",),
    "void": ("void",),
}


async def listing(
    session: AsyncSession,
    statuses: Sequence[str],
    customer_code: str | None,
    limit: int,
    *,
    newest_first: bool,
) -> Sequence[Row[Any]]:
    """Oldest payment first (the queue is worked in the order the money came in), or the latest
    changes first."""
    order = (
        "changed_at DESC, match_id"
        if newest_first
        else "received_date, proposed_at, customer_code, payment_id"
    )
    recorded = sorted({r for s in statuses for r in RECORDED[s]})
    rows = await session.execute(
        text(
            _MATCHES.format(where="WHERE m.status = ANY(:recorded)")
            + "WHERE status = ANY(:statuses) AND (CAST(:code AS text) IS NULL OR customer_code = :code) "
            + f"ORDER BY {order} LIMIT :limit"
        ),
        {"recorded": recorded, "statuses": list(statuses), "code": customer_code, "limit": limit},
    )
    return rows.all()


async def of_payment(session: AsyncSession, payment_id: str, customer_code: str | None) -> Sequence[Row[Any]]:
    """The payment's matches, latest first."""
    rows = await session.execute(
        text(
            _MATCHES.format(where="WHERE m.payment_id = :payment")
            + "WHERE (CAST(:code AS text) IS NULL OR customer_code = :code) ORDER BY proposed_at DESC"
        ),
        {"payment": payment_id, "code": customer_code},
    )
    return rows.all()


async def decide(session: AsyncSession, decision: CashMatchDecision) -> None:
    """A decision taken again (a confirmation the ledger refused, confirmed anew) replaces the last."""
    values = {c.key: getattr(decision, c.key) for c in CashMatchDecision.__table__.columns}
    statement = insert(CashMatchDecision).values(values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["match_id", "decision"],
            set_={k: statement.excluded[k] for k in ("lines", "note", "decided_by", "decided_at")},
        )
    )


async def open_items_of(session: AsyncSession, codes: Sequence[str]) -> Sequence[Row[Any]]:
    """These customers' invoices not cancelled, oldest due first: what a person may apply a payment
    to (those still open)."""
    rows = await session.execute(
        text(
            "SELECT customer_code, item_id, currency, open_amount, due_date FROM risk_worker.v_open_items "
            "WHERE customer_code = ANY(:codes) AND item_type = 'invoice' AND status <> 'cancelled' "
            "ORDER BY customer_code, due_date, item_id"
        ),
        {"codes": list(codes)},
    )
    return rows.all()


async def matched_items(session: AsyncSession, codes: Sequence[str]) -> list[tuple[str, str]]:
    """(customer, invoice) of every match waiting for a person or on its way to the ledger."""
    rows = await session.execute(
        text(
            "SELECT DISTINCT line->>'customer_code' AS customer_code, line->>'invoice_id' AS item_id "
            "FROM ("
            + _MATCHES.format(where="WHERE m.status IN ('pending', 'applying')")
            + "WHERE status IN ('pending', 'applying')) waiting, "
            "jsonb_array_elements(waiting.lines) line WHERE line->>'customer_code' = ANY(:codes)"
        ),
        {"codes": list(codes)},
    )
    return [(r.customer_code, r.item_id) for r in rows]


def lines_of(row: Row[Any]) -> list[dict[str, Any]]:
    return list(row.lines)
