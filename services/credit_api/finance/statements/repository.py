"""A customer's journal (risk_worker.v_movements) and its late-interest claims, as the statement of
account reads them: what happened before the period summed per account, currency and item (a few
rows, however long the customer's history), and every line of the period in the order journalled."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import driver
from shared.domain.statements import INTEREST_CLAIMED, INTEREST_INVOICED, INTEREST_WAIVED, Entry
from shared.models.credit_api import Customer, StatementRun, StatementSend

# Per customer and its own period: before the period, per account, currency and item, the first day
# and the sum (an item's due date never changes); in the period, each line; the late-interest claims
# of the customer: claimed on the day their invoice was settled, taken off again on the day they
# were invoiced or waived (a claim waived while its invoice was still open was never owed).
_ENTRIES = """
SELECT k.code, e.day, e.currency, e.account, e.amount, e.kind, e.document_id, e.item_id, e.due_date
FROM unnest($1::text[], $2::date[], $3::date[]) AS k(code, start_on, end_on)
CROSS JOIN LATERAL (
    SELECT min(effective_date) AS day, currency, account, sum(amount) AS amount, NULL::text AS kind,
           NULL::text AS document_id, item_id, due_date, 0 AS part, 0::bigint AS line
    FROM risk_worker.v_movements WHERE customer_code = k.code AND effective_date < k.start_on
    GROUP BY currency, account, item_id, due_date
    UNION ALL
    SELECT effective_date, currency, account, amount, kind, document_id, item_id, due_date, 1, id
    FROM risk_worker.v_movements
    WHERE customer_code = k.code AND effective_date BETWEEN k.start_on AND k.end_on
    UNION ALL
    SELECT settled_on, currency, 'interest', interest + compensation, $4::text, item_id,
           item_id, NULL, 1, 0
    FROM credit_api.interest_claims WHERE customer_code = k.code AND settled_on <= k.end_on
    UNION ALL
    SELECT closed_at::date, currency, 'interest', -(interest + compensation),
           CASE status WHEN 'invoiced' THEN $5::text ELSE $6::text END,
           coalesce(invoice_ref, item_id), item_id, NULL, 1, 0
    FROM credit_api.interest_claims
    WHERE customer_code = k.code AND settled_on IS NOT NULL AND status IN ('invoiced', 'waived')
      AND closed_at::date <= k.end_on
) e
ORDER BY k.code, e.part, e.day, e.line
"""


async def entries(session: AsyncSession, periods: dict[str, tuple[date, date]]) -> dict[str, list[Entry]]:
    """Each customer's entries for its period (start, end), in one round trip; none: an empty list."""
    pg = await driver(session)
    rows = await pg.fetch(
        _ENTRIES,
        list(periods),
        [start for start, _ in periods.values()],
        [end for _, end in periods.values()],
        INTEREST_CLAIMED,
        INTEREST_INVOICED,
        INTEREST_WAIVED,
    )
    found: dict[str, list[Entry]] = {code: [] for code in periods}
    for row in rows:
        found[row[0]].append(Entry(*row[1:]))
    return found


RUN_LOCK = 0x5374_6D74  # "Stmt": one statement run at a time across processes


async def lock(session: AsyncSession) -> None:
    """Held until the transaction ends; a second run waits, then finds the day done."""
    await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": RUN_LOCK})


async def ran(session: AsyncSession, as_of: date) -> bool:
    return await session.get(StatementRun, as_of) is not None


async def last_run(session: AsyncSession) -> date | None:
    return (await session.execute(select(func.max(StatementRun.as_of)))).scalar_one_or_none()


async def add_run(session: AsyncSession, run: StatementRun) -> None:
    session.add(run)
    await session.flush()


async def with_business(session: AsyncSession, start: date, end: date) -> list[str]:
    """Customers whose ledger moved in the period or who owe (or are owed) something at its end."""
    pg = await driver(session)
    rows = await pg.fetch(
        "SELECT customer_code FROM risk_worker.v_movements WHERE effective_date <= $2 "
        "GROUP BY customer_code HAVING bool_or(effective_date >= $1) "
        "OR sum(CASE account WHEN 'item' THEN amount ELSE -amount END) <> 0",
        start,
        end,
    )
    return [r[0] for r in rows]


async def moved(
    session: AsyncSession, month_start: date, end: date
) -> list[tuple[str, date | None, date | None]]:
    """(customer, last statement's end, day it was sent) of the customers whose journal, as dated
    through `end`, moved since their last statement: a line dated after its period, or one written
    after it (a late arrival dated within it); never sent one, a line dated from `month_start` on."""
    pg = await driver(session)
    rows = await pg.fetch(
        "SELECT m.customer_code, s.period_to, s.as_of FROM ("
        "  SELECT customer_code, max(id) AS line, max(effective_date) AS latest"
        "  FROM risk_worker.v_movements WHERE effective_date <= $2 GROUP BY customer_code) m "
        "LEFT JOIN LATERAL (SELECT period_to, as_of, journal_line FROM credit_api.statement_sends s"
        "  WHERE s.customer_code = m.customer_code ORDER BY period_to DESC, as_of DESC LIMIT 1) s ON true "
        "WHERE m.latest > coalesce(s.period_to, $1::date - 1) OR m.line > coalesce(s.journal_line, m.line)",
        month_start,
        end,
    )
    return [(r[0], r[1], r[2]) for r in rows]


async def recipients(session: AsyncSession, codes: Sequence[str]) -> dict[str, Customer]:
    query = select(Customer).where(Customer.customer_code.in_(codes))
    return {c.customer_code: c for c in (await session.execute(query)).scalars()}


async def last_lines(session: AsyncSession, ends: dict[str, date]) -> dict[str, int]:
    """Each customer's last journal line dated through its period's end (0: none)."""
    pg = await driver(session)
    rows = await pg.fetch(
        "SELECT k.code, coalesce((SELECT max(id) FROM risk_worker.v_movements m "
        "WHERE m.customer_code = k.code AND m.effective_date <= k.last), 0) "
        "FROM unnest($1::text[], $2::date[]) AS k(code, last)",
        list(ends),
        list(ends.values()),
    )
    return {r[0]: r[1] for r in rows}


async def add_sends(session: AsyncSession, rows: list[dict[str, Any]]) -> set[str]:
    """The customers whose statement was recorded; not those whose statement of that period was
    sent already."""
    inserted = await session.execute(
        insert(StatementSend).values(rows).on_conflict_do_nothing().returning(StatementSend.customer_code)
    )
    return set(inserted.scalars())


async def sent(session: AsyncSession, customer_code: str) -> list[tuple[date, date, date]]:
    """(from, to, sent on) of the statements sent to the customer, the latest first."""
    query = (
        select(StatementSend.period_from, StatementSend.period_to, StatementSend.as_of)
        .where(StatementSend.customer_code == customer_code)
        .order_by(StatementSend.period_to.desc(), StatementSend.period_from.desc())
    )
    return [(start, end, on) for start, end, on in (await session.execute(query)).all()]


async def sent_pdf(session: AsyncSession, customer_code: str, start: date, end: date) -> bytes | None:
    query = select(StatementSend.pdf).where(
        StatementSend.customer_code == customer_code,
        StatementSend.period_from == start,
        StatementSend.period_to == end,
    )
    found: bytes | None = await session.scalar(query)
    return found
