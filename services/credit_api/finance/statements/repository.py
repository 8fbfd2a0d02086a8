"""A customer's journal (risk_worker.v_movements) and its late-interest claims, as the statement of
account reads them: what happened before the period summed per account, currency and item (a few
rows, however long the customer's history), and every line of the period in the order journalled."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import driver
from shared.domain.statements import INTEREST_CLAIMED, INTEREST_INVOICED, INTEREST_WAIVED, Entry

# Before the period: per account, currency and item, the first day and the sum (an item's due date
# never changes). In the period: each line. The late-interest claims of the customer: claimed on the
# day their invoice was settled, taken off again on the day they were invoiced or waived (a claim
# waived while its invoice was still open was never owed).
_ENTRIES = """
SELECT day, currency, account, amount, kind, document_id, item_id, due_date FROM (
    SELECT min(effective_date) AS day, currency, account, sum(amount) AS amount, NULL::text AS kind,
           NULL::text AS document_id, item_id, due_date, 0 AS part, 0::bigint AS line
    FROM risk_worker.v_movements WHERE customer_code = $1 AND effective_date < $2
    GROUP BY currency, account, item_id, due_date
    UNION ALL
    SELECT effective_date, currency, account, amount, kind, document_id, item_id, due_date, 1, id
    FROM risk_worker.v_movements WHERE customer_code = $1 AND effective_date BETWEEN $2 AND $3
    UNION ALL
    SELECT settled_on, currency, 'interest', interest + compensation, $4::text, item_id,
           item_id, NULL, 1, 0
    FROM credit_api.interest_claims WHERE customer_code = $1 AND settled_on <= $3
    UNION ALL
    SELECT closed_at::date, currency, 'interest', -(interest + compensation),
           CASE status WHEN 'invoiced' THEN $5::text ELSE $6::text END,
           coalesce(invoice_ref, item_id), item_id, NULL, 1, 0
    FROM credit_api.interest_claims
    WHERE customer_code = $1 AND settled_on IS NOT NULL AND status IN ('invoiced', 'waived')
      AND closed_at::date <= $3
) e
ORDER BY part, day, line
"""


async def entries(session: AsyncSession, customer_code: str, start: date, end: date) -> list[Entry]:
    pg = await driver(session)
    rows = await pg.fetch(
        _ENTRIES, customer_code, start, end, INTEREST_CLAIMED, INTEREST_INVOICED, INTEREST_WAIVED
    )
    return [Entry(*row) for row in rows]
